# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring an OVH MKS node pool to the desired state: read, compare, change, wait."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh import spec
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.errors import OvhApiError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.waiter import READY, settled_for


class NodePoolManager:
    """Node pools of one cluster. ``client`` is an OvhClient, ``waiter`` a Waiter or None (no wait)."""

    def __init__(self, client, service_name, kube_id, waiter=None, check_mode=False):
        self.client = client
        self.service_name = service_name
        self.kube_id = kube_id
        self.waiter = waiter
        self.check_mode = check_mode
        self.base = "/cloud/project/%s/kube/%s" % (service_name, kube_id)

    # --- reads -------------------------------------------------------------------------
    def list(self):
        what = "list node pools of cluster %s in project %s" % (self.kube_id, self.service_name)
        return self.client.get(self.base + "/nodepool", what=what)

    def find(self, name):
        return next((pool for pool in self.list() if pool.get("name") == name), None)

    def get(self, pool_id, missing_ok=False):
        try:
            return self.client.get("%s/nodepool/%s" % (self.base, pool_id), what="read node pool %s" % pool_id)
        except OvhApiError as exc:
            if missing_ok and exc.status == 404:
                return None
            raise

    def flavor_names(self):
        flavors = self.client.get(self.base + "/flavors", what="list flavors of cluster %s" % self.kube_id)
        return sorted(f.get("name") for f in flavors if f.get("state", "available") == "available")

    # --- state absent ------------------------------------------------------------------
    def absent(self, name):
        pool = self.find(name)
        if pool is None:
            return {"changed": False, "nodepool": {}, "diff": {"before": {}, "after": {}}}
        result = {"changed": True, "nodepool": pool, "diff": {"before": spec.view(pool), "after": {}}}
        if not self.check_mode:
            self._delete(pool, name)
        return result

    def _delete(self, pool, name):
        self.client.delete("%s/nodepool/%s" % (self.base, pool["id"]), what="delete node pool %s" % name)
        if self.waiter is not None:
            self.waiter.until_gone(lambda: self.get(pool["id"], missing_ok=True), name)

    # --- state present -----------------------------------------------------------------
    def present(self, params):
        name = params["name"]
        current = self.find(name)
        if current is None:
            return self._create(params)
        before = spec.view(current)
        after = spec.apply_params(before, params, exists=True)
        problems = spec.range_problems(after.get("minNodes"), after.get("maxNodes"), after.get("desiredNodes"))
        if problems:
            raise OvhApiError("Failed to update node pool %s: %s" % (name, "; ".join(problems)))
        immutable = spec.immutable_changes(before, after)
        if immutable:
            return self._recreate(params, current, before, after, immutable)
        body = spec.update_body(before, after)
        result = {"changed": body is not None, "nodepool": current, "diff": {"before": before, "after": after}}
        if self.check_mode:
            return result
        if body is None:
            # Nothing to change, but "present and waited for" still means READY.
            if self.waiter is not None and current.get("status") != READY:
                result["nodepool"] = self._wait_ready(current, name, created=False)
            return result
        if self.waiter is not None and current.get("status") != READY:
            # OVH answers 409 to a PUT on a pool that is still changing.
            self._wait_ready(current, name, created=False)
        self.client.put("%s/nodepool/%s" % (self.base, current["id"]), body, what="update node pool %s" % name)
        result["nodepool"] = self._after_change(current["id"], name, after, created=False)
        return result

    def _create(self, params):
        name = params["name"]
        after = spec.apply_params(spec.empty_view(), params, exists=False)
        if not after.get("flavor"):
            raise OvhApiError("Failed to create node pool %s: flavor is required to create a pool" % name)
        problems = spec.range_problems(after.get("minNodes"), after.get("maxNodes"), after.get("desiredNodes"))
        if problems:
            raise OvhApiError("Failed to create node pool %s: %s" % (name, "; ".join(problems)))
        if params.get("validate_flavor", True):
            known = self.flavor_names()
            if after["flavor"] not in known:
                raise OvhApiError(
                    "Failed to create node pool %s: unknown flavor %r for cluster %s; available: %s"
                    % (name, after["flavor"], self.kube_id, ", ".join(known))
                )
        result = {"changed": True, "nodepool": {}, "diff": {"before": {}, "after": after}}
        if self.check_mode:
            return result
        result["nodepool"] = self._post(name, spec.create_body(after))
        result["nodepool"] = self._after_change(result["nodepool"]["id"], name, after, created=True)
        return result

    def _post(self, name, body):
        try:
            return self.client.post(self.base + "/nodepool", body, what="create node pool %s" % name)
        except OvhApiError as exc:
            # A create that failed after retries may still have been applied: say so.
            leftover = self._find_quietly(name)
            if leftover is not None:
                exc.message += "; a node pool named %s exists anyway (id %s, status %s): delete it or re-run" % (
                    name,
                    leftover.get("id"),
                    leftover.get("status"),
                )
                exc.partial = {"nodepool": leftover}
                exc.changed = True
            raise

    def _find_quietly(self, name):
        try:
            return self.find(name)
        except OvhApiError:
            return None

    def _recreate(self, params, current, before, after, immutable):
        name = params["name"]
        if not params.get("recreate"):
            message = "Failed to update node pool {0}: {1} cannot be changed on an existing pool; ".format(
                name, ", ".join(immutable)
            )
            raise OvhApiError(
                message + "set recreate=true to delete and recreate it (its nodes are drained and replaced)",
                partial={"nodepool": current},
            )
        result = {"changed": True, "nodepool": current, "diff": {"before": before, "after": after}}
        if self.check_mode:
            return result
        self._delete(current, name)
        try:
            result["nodepool"] = self._create(params)["nodepool"]
        except OvhApiError as exc:
            exc.message = "%s (the old pool %s was already deleted to change %s)" % (
                exc.message,
                current["id"],
                ", ".join(immutable),
            )
            exc.changed = True
            raise
        return result

    def _after_change(self, pool_id, name, after, created):
        pool = self.get(pool_id)
        if self.waiter is None:
            return pool
        return self._wait_ready(pool, name, created=created, after=after)

    def _wait_ready(self, pool, name, created, after=None):
        settled = settled_for(after) if after is not None else None
        try:
            return self.waiter.until_ready(lambda: self.get(pool["id"]), name, settled)
        except OvhApiError as exc:
            exc.changed = exc.changed or created or after is not None
            if created:
                exc.message += (
                    "; the pool was created (id %s) and still exists: fix the cause and re-run, " % pool["id"]
                    + "or remove it with state=absent"
                )
            raise
