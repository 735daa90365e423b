"""CustomResourceDefinitions: turning a stored CRD into served resource types, and removing them again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .resources import RW, ResourceType

if TYPE_CHECKING:
    from .store import Store


def validate_crd(crd: dict[str, Any]) -> list[dict[str, str]]:
    """The checks of the real server that matter to clients: name = plural.group, one storage version."""
    causes = []
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
    if crd["metadata"].get("name") != expected:
        message = f'Invalid value: "{crd["metadata"].get("name")}": must be spec.names.plural+"."+spec.group'
        causes.append({"reason": "FieldValueInvalid", "message": message, "field": "metadata.name"})
    versions = spec.get("versions") or []
    if sum(1 for v in versions if isinstance(v, dict) and v.get("storage")) != 1:
        causes.append(
            {
                "reason": "FieldValueInvalid",
                "message": "Invalid value: must have exactly one version marked as storage version",
                "field": "spec.versions",
            }
        )
    return causes


def types_for(crd: dict[str, Any]) -> list[ResourceType]:
    spec = crd["spec"]
    names = spec["names"]
    types = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        rt = ResourceType(
            group=spec["group"],
            version=version["name"],
            plural=names["plural"],
            kind=names["kind"],
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            subresources=tuple(s for s in ("status", "scale") if s in subresources),
            verbs=RW,
            categories=tuple(names.get("categories") or ()),
            singular=names.get("singular") or names["kind"].lower(),
            crd_schema=(version.get("schema") or {}).get("openAPIV3Schema")
            or {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            is_crd=True,
        )
        types.append(rt)
    return types


def sync_crd(store: Store, crd: dict[str, Any]) -> None:
    """(Re-)register the CRD's served versions; called with the store lock held."""
    names = crd["spec"]["names"]
    store.unregister_group_plural(crd["spec"]["group"], names["plural"])
    for rt in types_for(crd):
        store.register(rt)


def remove_crd(store: Store, crd: dict[str, Any]) -> None:
    """Deleting a CRD removes its resources from discovery and deletes all its objects, like the real server."""
    group, plural = crd["spec"]["group"], crd["spec"]["names"]["plural"]
    store.unregister_group_plural(group, plural)
    store.objects.pop((group, plural), None)
