"""The object store and the API server's write semantics (resourceVersion, generation, status, dry run)."""

from __future__ import annotations

import ipaddress
import threading
import uuid
from collections.abc import Callable
from typing import Any

from . import admission, crds, errors, immutability, managed, patching, validation
from .jsonutil import clone
from .managed import now
from .resources import ResourceType, builtin_resources, version_priority
from .selectors import field_selector, label_selector
from .watch import JOURNAL_SIZE, Journal

Obj = dict[str, Any]
_SERVICE_NET = ipaddress.ip_network("10.96.0.0/12")
# metadata fields the server owns: a client can neither set them on create nor change them on update
_SERVER_META = ("uid", "creationTimestamp", "generation", "deletionTimestamp", "selfLink")


def _spec_part(obj: Obj | None) -> Obj:
    return {k: v for k, v in (obj or {}).items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _comparable(obj: Obj) -> Obj:
    meta = {k: v for k, v in obj.get("metadata", {}).items() if k not in ("resourceVersion", "managedFields")}
    return {**obj, "metadata": meta}


class Store:
    """All objects, the resource registry (built-in plus CRD-defined) and a global resourceVersion counter."""

    def __init__(self, watch_history: int = JOURNAL_SIZE) -> None:
        self.lock = threading.RLock()
        self.rv = 0
        self.types: dict[tuple[str, str, str], ResourceType] = {}
        self.objects: dict[tuple[str, str], dict[tuple[str, str], Obj]] = {}
        self.pod_logs: dict[tuple[str, str], str] = {}
        self.applied: dict[tuple[str, str], Obj] = {}  # (uid, fieldManager) -> last applied config
        self.listeners: list[Callable[[ResourceType, Obj | None, Obj], None]] = []
        self.delete_listeners: list[Callable[[ResourceType, Obj], None]] = []  # after an object is gone
        self.next_ip = 10
        self.journal = Journal(self.lock, watch_history)  # what watches replay and follow
        for rt in builtin_resources():
            self.register(rt)

    # registry -----------------------------------------------------------------------------------
    def register(self, rt: ResourceType) -> None:
        self.types[(rt.group, rt.version, rt.plural)] = rt
        self.objects.setdefault(rt.key, {})

    def unregister_group_plural(self, group: str, plural: str) -> None:
        for key in [k for k in self.types if (k[0], k[2]) == (group, plural)]:
            del self.types[key]

    def resource_type(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self.types.get((group, version, plural))

    def builtin(self, group: str, plural: str) -> ResourceType:
        return next(rt for (g, _, p), rt in self.types.items() if (g, p) == (group, plural))

    def group_versions(self) -> dict[str, list[str]]:
        """Group -> served versions, preferred first, groups in registration order."""
        groups: dict[str, list[str]] = {}
        for group, version, _ in self.types:
            versions = groups.setdefault(group, [])
            if version not in versions:
                versions.append(version)
        return {g: sorted(v, key=version_priority) for g, v in groups.items()}

    # reads --------------------------------------------------------------------------------------
    def _bucket(self, rt: ResourceType) -> dict[tuple[str, str], Obj]:
        return self.objects.setdefault(rt.key, {})

    def _present(self, rt: ResourceType, obj: Obj) -> Obj:
        out = clone(obj)
        out["apiVersion"], out["kind"] = rt.api_version, rt.kind
        return out

    def present_item(self, rt: ResourceType, obj: Obj) -> Obj:
        """An object as clients see it in `rt`'s version (with apiVersion and kind)."""
        return self._present(rt, obj)

    def get(self, rt: ResourceType, ns: str, name: str) -> Obj:
        with self.lock:
            obj = self._bucket(rt).get((ns, name))
            if obj is None:
                raise errors.not_found(rt.plural, rt.group, name)
            return self._present(rt, obj)

    def list(self, rt: ResourceType, ns: str, labels: str | None, fields: str | None) -> Obj:
        match_labels, match_fields = label_selector(labels), field_selector(fields)
        with self.lock:
            items = []
            for (obj_ns, _), obj in sorted(self._bucket(rt).items()):
                if ns and obj_ns != ns:
                    continue
                if match_labels(obj) and match_fields(obj):
                    item = self._present(rt, obj)
                    if not rt.is_crd:  # the real server omits kind/apiVersion on typed list items
                        item.pop("apiVersion", None)
                        item.pop("kind", None)
                    items.append(item)
            meta = {"resourceVersion": str(self.rv)}
        return {"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": meta, "items": items}

    def namespace_exists(self, ns: str) -> bool:
        return ("", ns) in self.objects.get(("", "namespaces"), {})

    # writes -------------------------------------------------------------------------------------
    def allocate_cluster_ip(self) -> str:
        with self.lock:
            self.next_ip += 1
            return str(_SERVICE_NET.network_address + self.next_ip)

    def _check_namespace(self, rt: ResourceType, ns: str) -> None:
        if rt.namespaced and not self.namespace_exists(ns):
            raise errors.not_found("namespaces", "", ns)

    def create(
        self, rt: ResourceType, ns: str, body: Any, dry_run: bool = False, manager: str = "", trusted: bool = False
    ) -> Obj:
        """POST; `trusted` skips schema validation (the emulator's own bootstrap objects, so start-up stays fast)."""
        if not isinstance(body, dict):
            raise errors.bad_request("the request body must be a JSON object")
        obj = clone(body)
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != ns:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        with self.lock:
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{uuid.uuid4().hex[:5]}"
            name = meta.get("name")
            if not name:
                cause = {
                    "reason": "FieldValueRequired",
                    "message": "Required value: name or generateName is required",
                    "field": "metadata.name",
                }
                raise errors.invalid(rt.kind, rt.group, "", [cause])
            self._check_namespace(rt, ns)
            if (ns if rt.namespaced else "", name) in self._bucket(rt):
                raise errors.already_exists(rt.plural, rt.group, name)
            obj = self._prepare(rt, None, obj, "", manager, "Update", trusted=trusted)
            return self._commit(rt, None, obj, dry_run)

    def replace(
        self, rt: ResourceType, ns: str, name: str, body: Any, sub: str = "", dry_run: bool = False, manager: str = ""
    ) -> Obj:
        if not isinstance(body, dict):
            raise errors.bad_request("the request body must be a JSON object")
        meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        if meta.get("name") and meta["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({meta['name']}) does not match the name on the URL ({name})"
            )
        with self.lock:
            old = self._stored(rt, ns, name)
            obj = self._prepare(rt, old, clone(body), sub, manager, "Update")
            return self._commit(rt, old, obj, dry_run)

    def patch(
        self,
        rt: ResourceType,
        ns: str,
        name: str,
        ptype: str,
        body: Any,
        sub: str = "",
        dry_run: bool = False,
        manager: str = "",
        force: bool = False,
    ) -> Obj:
        with self.lock:
            key = (ns if rt.namespaced else "", name)
            old = self._bucket(rt).get(key)
            if old is None and ptype == "apply":
                return self._apply_create(rt, ns, name, body, dry_run, manager)
            old = self._stored(rt, ns, name)
            base = self._present(rt, old)
            if ptype == "merge":
                patched = patching.merge_patch(base, body)
            elif ptype == "json":
                patched = patching.json_patch(base, body)
            elif ptype == "strategic":
                patched = patching.strategic_merge(
                    base, body, patching.SchemaNode.for_kind(rt.kind, rt.group, rt.version)
                )
            else:
                patched = managed.apply_config(rt, base, body, self.applied.get((old["metadata"]["uid"], manager)))
            if not isinstance(patched, dict):
                raise errors.bad_request("the patch did not produce an object")
            operation = "Apply" if ptype == "apply" else "Update"
            others, found = self._apply_conflicts(rt, old, base, body, manager) if ptype == "apply" else ({}, [])
            if found and not force:
                raise managed.conflict_error(rt, found)
            obj = self._prepare(rt, old, patched, sub, manager, operation, applied=body if ptype == "apply" else None)
            if found:
                managed.take_ownership(rt, obj, others, found)
            result = self._commit(rt, old, obj, dry_run)
            if ptype == "apply" and not dry_run:
                self.applied[(old["metadata"]["uid"], manager)] = clone(body)
                for other, config in others.items():
                    self.applied[(old["metadata"]["uid"], other)] = config
            return result

    def _apply_conflicts(
        self, rt: ResourceType, old: Obj, live: Obj, body: Any, manager: str
    ) -> tuple[dict[str, Obj], list[tuple[str, tuple]]]:
        """Copies of the other apply managers' configurations, and the fields this apply would take from them."""
        uid = old["metadata"]["uid"]
        others = {m: clone(c) for (u, m), c in self.applied.items() if u == uid and m != manager}
        return others, managed.conflicts(live, body if isinstance(body, dict) else {}, others)

    def _apply_create(self, rt: ResourceType, ns: str, name: str, body: Any, dry_run: bool, manager: str) -> Obj:
        if not isinstance(body, dict):
            raise errors.bad_request("the apply configuration must be an object")
        body = clone(body)
        body.setdefault("metadata", {})["name"] = name
        obj = self.create(rt, ns, body, dry_run, manager)
        if not dry_run:
            self.applied[(obj["metadata"]["uid"], manager)] = clone(body)
            self._stored(rt, ns, name)["metadata"]["managedFields"] = [managed.entry(rt, manager, "Apply", body)]
            obj = self.get(rt, ns, name)
        return obj

    def _stored(self, rt: ResourceType, ns: str, name: str) -> Obj:
        obj = self._bucket(rt).get((ns if rt.namespaced else "", name))
        if obj is None:
            raise errors.not_found(rt.plural, rt.group, name)
        return obj

    def _prepare(
        self,
        rt: ResourceType,
        old: Obj | None,
        new: Obj,
        sub: str,
        manager: str,
        operation: str,
        applied: Any = None,
        trusted: bool = False,
    ) -> Obj:
        """Turn a client's desired object into what the server would store; raises 409/422."""
        if not isinstance(new.get("metadata"), dict):
            new["metadata"] = {}
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        if old is not None:
            sent_rv = new["metadata"].get("resourceVersion")
            if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(rt.plural, rt.group, old["metadata"]["name"])
            if sub == "status":
                new = {**clone(old), "status": new.get("status")}
                if new["status"] is None:
                    new.pop("status")
            else:
                for key in (*_SERVER_META, "name", "namespace", "managedFields"):
                    if key in old["metadata"]:
                        new["metadata"][key] = clone(old["metadata"][key])
                    else:
                        new["metadata"].pop(key, None)
                if "status" in rt.subresources:
                    new.pop("status", None)
                    if "status" in old:
                        new["status"] = clone(old["status"])
        else:
            for key in (*_SERVER_META, "resourceVersion", "managedFields"):
                new["metadata"].pop(key, None)
            if "status" in rt.subresources:
                new.pop("status", None)
        admission.mutate(self, rt, old, new)
        if not trusted:
            self._validate(rt, new)
        if old is not None and sub != "status":
            causes = immutability.check(rt, old, new)
            if causes:
                raise errors.invalid(rt.kind, rt.group, old["metadata"]["name"], causes)
        if old is None:
            new["metadata"].setdefault("uid", str(uuid.uuid4()))
            new["metadata"]["creationTimestamp"] = now()
            new["metadata"]["generation"] = 1
            new["metadata"]["managedFields"] = [managed.entry(rt, manager, operation, applied or new)]
        elif _spec_part(new) != _spec_part(old):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        if old is not None and _comparable(new) != _comparable(old):
            managed.merge(rt, new, manager, operation, applied or new)
        return new

    def _validate(self, rt: ResourceType, obj: Obj) -> None:
        causes = validation.validate_metadata(obj, rt.kind)
        if rt.is_crd:
            causes += validation.validate_custom(obj, rt.crd_schema)
        elif rt.kind == "CustomResourceDefinition":
            stripped, schemas = crds.without_schemas(obj)
            causes += validation.validate_builtin(stripped, rt.kind, rt.group, rt.version)
            for path, schema in schemas:
                crds.check_schema(schema, path, causes)
            causes += crds.validate_crd(obj)
        else:
            causes += validation.validate_builtin(obj, rt.kind, rt.group, rt.version)
        if causes:
            raise errors.invalid(rt.kind, rt.group, obj["metadata"].get("name", ""), causes)

    def _commit(self, rt: ResourceType, old: Obj | None, new: Obj, dry_run: bool) -> Obj:
        """Store `new` unless nothing changed (then the resourceVersion stays, as kubernetes.core relies on)."""
        if old is not None and _comparable(new) == _comparable(old):
            return self._present(rt, old)
        if dry_run:
            out = self._present(rt, new)
            out["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"] if old else ""
            return out
        self.rv += 1
        new["metadata"]["resourceVersion"] = str(self.rv)
        key = (new["metadata"].get("namespace", "") if rt.namespaced else "", new["metadata"]["name"])
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            self._remove(rt, new, "Background")  # the last finalizer is gone: the pending delete completes
            return self._present(rt, new)
        self._bucket(rt)[key] = new
        self.journal.record(rt.key, "ADDED" if old is None else "MODIFIED", new, self.rv)
        if rt.is_crd is False and rt.kind == "CustomResourceDefinition":
            crds.sync_crd(self, new)
        result = self._present(rt, new)
        for listener in self.listeners:
            listener(rt, old, new)
        return result

    def set_status(self, rt: ResourceType, ns: str, name: str, status: Obj) -> None:
        """Controller write: replace status, bumping resourceVersion only if it changed."""
        with self.lock:
            obj = self._bucket(rt).get((ns if rt.namespaced else "", name))
            if obj is None or obj.get("status") == status:
                return
            new = clone(obj)
            new["status"] = status
            self.rv += 1
            new["metadata"]["resourceVersion"] = str(self.rv)
            self._bucket(rt)[(ns if rt.namespaced else "", name)] = new
            self.journal.record(rt.key, "MODIFIED", new, self.rv)

    # deletes ------------------------------------------------------------------------------------
    def delete(self, rt: ResourceType, ns: str, name: str, dry_run: bool = False, propagation: str = "") -> Obj:
        with self.lock:
            old = self._stored(rt, ns, name)
            out = self._present(rt, old)
            out["metadata"]["deletionTimestamp"] = old["metadata"].get("deletionTimestamp") or now()
            if rt.group == "" and rt.kind == "Namespace":
                out.setdefault("status", {})["phase"] = "Terminating"
            if dry_run:
                return out
            if old["metadata"].get("finalizers"):
                if not old["metadata"].get("deletionTimestamp"):
                    old["metadata"]["deletionTimestamp"] = out["metadata"]["deletionTimestamp"]
                    self.rv += 1
                    old["metadata"]["resourceVersion"] = str(self.rv)
                    self.journal.record(rt.key, "MODIFIED", old, self.rv)
                return self._present(rt, old)
            self._remove(rt, old, propagation)
            return out

    def _remove(self, rt: ResourceType, obj: Obj, propagation: str) -> None:
        meta = obj["metadata"]
        self._bucket(rt).pop((meta.get("namespace", "") if rt.namespaced else "", meta["name"]), None)
        self.rv += 1
        meta["resourceVersion"] = str(self.rv)
        self.journal.record(rt.key, "DELETED", obj, self.rv)
        if rt.group == "" and rt.kind == "Namespace":
            for bucket_key, bucket in self.objects.items():
                for key in [k for k in bucket if k[0] == meta["name"]]:
                    self.journal.record(bucket_key, "DELETED", bucket.pop(key), self.rv)
            for key in [k for k in self.pod_logs if k[0] == meta["name"]]:
                self.pod_logs.pop(key)
        elif rt.kind == "CustomResourceDefinition" and not rt.is_crd:
            crds.remove_crd(self, obj)
        if propagation != "Orphan":
            self._collect_dependents(meta["uid"])
        for listener in self.delete_listeners:
            listener(rt, obj)

    def _collect_dependents(self, uid: str) -> None:
        """Garbage collection of objects whose ownerReferences point at a deleted owner."""
        for (group, plural), bucket in list(self.objects.items()):
            for key, obj in list(bucket.items()):
                owners = obj["metadata"].get("ownerReferences") or []
                if any(ref.get("uid") == uid for ref in owners if isinstance(ref, dict)):
                    dependent_rt = next((rt for (g, _, p), rt in self.types.items() if (g, p) == (group, plural)), None)
                    if dependent_rt is not None:
                        self._remove(dependent_rt, obj, "Background")
                    if (group, plural) == ("", "pods"):
                        self.pod_logs.pop(key, None)
