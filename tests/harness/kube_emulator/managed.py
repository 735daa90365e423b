"""Server-side apply and managedFields, approximated (see README: no conflicts between managers)."""

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
        for path in patching.leaf_paths(previous) - patching.leaf_paths(config):
            owned_meta = path[:2] in (("metadata", "labels"), ("metadata", "annotations"))
            if (path and path[0] != "metadata") or owned_meta:
                patching.remove_path(result, path)
    return patching.strategic_merge(result, config, node)


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
