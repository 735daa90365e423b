"""The one way the collection applies Kubernetes objects, and how it tells that an apply would change nothing.

Every object a role manages goes through the action plugin `gpuops.llm_inference.k8s`, which calls
kubernetes.core.k8s with the options `apply_options` returns: server-side apply under the field manager
`gpuops.llm_inference` (kubernetes.core 6 sends `PATCH` with `application/apply-patch+yaml`, `fieldManager` and
`force`; module_utils/k8s/service.py `apply`). kubernetes.core sends that write on every run and compares the answer
with the live object afterwards; the action plugin first runs the same call as a server-side dry run
(`dryRun=All`) and writes only when `needs_write` finds a difference in that dry run's answer.

A task that names only a kind and a name ("ensure the namespace exists") owns no field: applying it under the
collection's field manager would remove the labels another task of the collection applied to the same object
(a manager's fields that it no longer applies are removed). Such tasks keep kubernetes.core's plain
create-or-patch, which a dry run also turns into "no write" when the object is there.
"""

from __future__ import annotations

import copy
from typing import Any

FIELD_MANAGER = "gpuops.llm_inference"

# Set by the API server on every write, or by controllers: a difference in these alone is not a change.
_SERVER_METADATA = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid", "selfLink")
_IDENTITY_METADATA = {"name", "namespace"}
_PRESENT_STATES = {None, "present"}


def owns_fields(definition: dict[str, Any]) -> bool:
    """True when a definition states more than the identity (kind, name, namespace) of its object."""
    metadata = definition.get("metadata") or {}
    if set(metadata) - _IDENTITY_METADATA:
        return True
    return bool(set(definition) - {"apiVersion", "kind", "metadata"})


def apply_options(params: dict[str, Any], definitions: list[dict[str, Any]]) -> dict[str, Any]:
    """kubernetes.core.k8s options for `params`: server-side apply under the collection's field manager when the
    task creates or updates objects that state fields; other states and identity-only objects are left alone.

    Tasks must not choose their own way (`apply`, `server_side_apply`, `merge_type`): one way for every object.
    """
    options = {k: v for k, v in params.items() if k not in ("apply", "server_side_apply")}
    if params.get("state") not in _PRESENT_STATES or not any(owns_fields(d) for d in definitions):
        return options
    # force_conflicts: the inventory is the source of truth for the fields the collection applies, as for
    # `kubectl apply --server-side --force-conflicts`; fields it does not apply stay with their owners.
    return dict(options, apply=True, server_side_apply={"field_manager": FIELD_MANAGER, "force_conflicts": True})


def _without_server_fields(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    obj = copy.deepcopy(obj)
    obj.pop("status", None)
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        for key in _SERVER_METADATA:
            metadata.pop(key, None)
        if not metadata:
            obj.pop("metadata")
    return obj


def _item_needs_write(result: dict[str, Any]) -> bool:
    if result.get("failed"):
        return True
    if not result.get("changed"):
        return False
    diff = result.get("diff")
    if not isinstance(diff, dict) or "before" not in diff or "after" not in diff:
        # A creation, or a change kubernetes.core reported without a diff: trust it.
        return True
    return _without_server_fields(diff["before"]) != _without_server_fields(diff["after"])


def _items(result: dict[str, Any]) -> list[dict[str, Any]]:
    inner = result.get("result")
    if "method" not in result and isinstance(inner, dict) and isinstance(inner.get("results"), list):
        return inner["results"]
    return [result]


def needs_write(dry_run: dict[str, Any]) -> bool:
    """Whether the result of a server-side dry run (check and diff mode) of kubernetes.core.k8s shows a change
    to any object, ignoring fields the server sets on every write. A failed dry run needs the real call, which
    reports the error."""
    if dry_run.get("failed"):
        return True
    return any(_item_needs_write(item) for item in _items(dry_run))


def unchanged_result(dry_run: dict[str, Any], diff_mode: bool) -> dict[str, Any]:
    """The result to report when the dry run showed nothing to write: the live objects, `changed: false`, and no
    diff unless the task runs in diff mode (where an empty diff is what "no change" looks like)."""

    def settle(item: dict[str, Any]) -> dict[str, Any]:
        item = dict(item, changed=False)
        item.pop("diff", None)
        if diff_mode:
            item["diff"] = {}
        return item

    result = settle(dry_run)
    inner = dry_run.get("result")
    if "method" not in dry_run and isinstance(inner, dict) and isinstance(inner.get("results"), list):
        result["result"] = dict(inner, results=[settle(i) for i in inner["results"]])
    return result
