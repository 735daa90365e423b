"""Server-side apply and managedFields, approximated.

Ownership is tracked between *apply* managers only, from each one's last applied configuration: an apply that
would change a value another apply manager set is a 409 naming that manager and the field, unless `force=true`,
which moves the field to the applying manager. Update operations (PUT, merge/JSON/strategic patches) own nothing
here, so they never cause a conflict (on a real server, `kubectl scale` or `kubectl edit` would).
"""

from __future__ import annotations

import datetime
from typing import Any

from . import errors, patching
from .jsonutil import clone
from .resources import ResourceType

Obj = dict[str, Any]


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def apply_config(rt: ResourceType, live: Obj, config: Any, previous: Obj | None) -> Obj:
    """Fields the manager applied last time (`previous`) and no longer applies are removed; then the configuration
    is merged like a strategic merge (custom resources merge lists by their x-kubernetes-list-map-keys)."""
    if not isinstance(config, dict):
        raise errors.bad_request("the apply configuration must be an object")
    node = (
        patching.crd_node(rt.crd_schema) if rt.is_crd else patching.SchemaNode.for_kind(rt.kind, rt.group, rt.version)
    )
    result = clone(live)
    if previous:
        applied = patching.leaf_paths(config)
        # Every map on the way to a field still applied stays; a map the manager owned only through fields it no
        # longer applies goes with them (a removed `spec.authentication.<name>` entry, not just its leaves).
        kept = {path[:i] for path in applied for i in range(1, len(path) + 1)}
        for path in patching.leaf_paths(previous) - applied:
            owned_meta = path[:2] in (("metadata", "labels"), ("metadata", "annotations"))
            if (path and path[0] != "metadata") or owned_meta:
                patching.remove_path(result, path)
                _prune_emptied(result, path, kept)
    return patching.strategic_merge(result, config, node)


def _prune_emptied(obj: Obj, path: tuple, kept: set[tuple]) -> None:
    for end in range(len(path) - 1, 0, -1):
        parent = path[:end]
        if parent in kept or parent[:2] in (("metadata", "labels"), ("metadata", "annotations")) or len(parent) < 2:
            return
        if _get(obj, parent) != {}:
            return
        patching.remove_path(obj, parent)


def entry(rt: ResourceType, manager: str, operation: str, source: Obj) -> Obj:
    """One managedFields entry; fieldsV1 lists the maps' keys only (lists are owned as a whole)."""
    fields = patching.fields_v1({k: v for k, v in source.items() if k not in ("apiVersion", "kind", "status")})
    meta = fields.get("f:metadata", {})
    fields["f:metadata"] = {k: v for k, v in meta.items() if k in ("f:labels", "f:annotations")}
    if not fields["f:metadata"]:
        fields.pop("f:metadata")
    return {
        "manager": manager or "unknown",
        "operation": operation,
        "apiVersion": rt.api_version,
        "time": now(),
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }


def merge(rt: ResourceType, obj: Obj, manager: str, operation: str, source: Obj) -> None:
    """Replace the entry of this manager and operation, keeping the others."""
    entries = [
        e
        for e in obj["metadata"].get("managedFields") or []
        if (e.get("manager"), e.get("operation")) != (manager or "unknown", operation)
    ]
    entries.append(entry(rt, manager, operation, source))
    obj["metadata"]["managedFields"] = entries


# Every apply configuration carries these with the object's own values; they are never a conflict.
_IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}
_MISSING = object()


def _get(obj: Any, path: tuple) -> Any:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return _MISSING
        obj = obj[key]
    return obj


def _contained(applied: Any, live: Any) -> bool:
    """True when applying `applied` leaves `live` as it is (server defaults may have added to it)."""
    if isinstance(applied, dict) and isinstance(live, dict):
        return all(k in live and _contained(v, live[k]) for k, v in applied.items())
    if isinstance(applied, list) and isinstance(live, list):
        return len(applied) == len(live) and all(_contained(a, b) for a, b in zip(applied, live, strict=True))
    return applied == live


def conflicts(live: Obj, config: Obj, others: dict[str, Obj]) -> list[tuple[str, tuple]]:
    """(manager, path) for each field another apply manager set that `config` would change."""
    mine = patching.leaf_paths(config) - _IDENTITY
    found = []
    for other, previous in sorted(others.items()):
        for path in sorted(mine & patching.leaf_paths(previous)):
            if not _contained(_get(config, path), _get(live, path)):
                found.append((other, path))
    return found


def conflict_error(rt: ResourceType, found: list[tuple[str, tuple]]) -> errors.ApiError:
    """The 409 a real server sends (structured-merge-diff's Conflicts.Error wrapped by the apiserver)."""
    managers: dict[str, list[str]] = {}
    for manager, path in found:
        managers.setdefault(f'"{manager}" using {rt.api_version}', []).append("." + ".".join(map(str, path)))
    if len(found) == 1:
        (who, [field]) = next(iter(managers.items()))
        detail = f"conflict with {who}: {field}"
    else:
        detail = "".join(
            f"conflicts with {who}:\n" + "".join(f"- {f}\n" for f in fields) for who, fields in managers.items()
        )
    plural = "conflict" if len(found) == 1 else "conflicts"
    causes = [
        {"reason": "FieldManagerConflict", "message": f"conflict with {who}", "field": field}
        for who, fields in managers.items()
        for field in fields
    ]
    return errors.ApiError(
        409, f"Apply failed with {len(found)} {plural}: {detail}".rstrip("\n"), "Conflict", {"causes": causes}
    )


def take_ownership(rt: ResourceType, obj: Obj, previous: dict[str, Obj], found: list[tuple[str, tuple]]) -> None:
    """`force=true`: the other managers stop owning the fields (their applied configurations lose them)."""
    for manager, path in found:
        patching.remove_path(previous[manager], path)
    for manager in {m for m, _ in found}:
        entries = obj["metadata"].get("managedFields") or []
        obj["metadata"]["managedFields"] = [
            entry(rt, manager, "Apply", previous[manager])
            if (e.get("manager"), e.get("operation")) == (manager, "Apply")
            else e
            for e in entries
        ]
