"""CustomResourceDefinitions: turning a stored CRD into served resource types, and removing them again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .resources import RW, ResourceType
from .validation import definitions

_PROPS_DEF = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "dependencies")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("not", "items", "additionalProperties", "additionalItems")

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


def without_schemas(crd: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The CRD with each openAPIV3Schema replaced by a stub, and the schemas with their field paths.

    jsonschema needs about a second for the recursive JSONSchemaProps of a big upstream CRD; the schemas are
    checked by `check_schema` instead, which finds the same unknown fields in a few milliseconds.
    """
    stripped = {**crd, "spec": dict(crd.get("spec") or {})} if isinstance(crd.get("spec"), dict) else crd
    schemas = []
    versions = stripped.get("spec", {}).get("versions") if isinstance(stripped.get("spec"), dict) else None
    if isinstance(versions, list):
        stripped["spec"]["versions"] = []
        for index, version in enumerate(versions):
            schema = (version.get("schema") or {}) if isinstance(version, dict) else {}
            if isinstance(schema, dict) and "openAPIV3Schema" in schema:
                schemas.append((f"spec.versions[{index}].schema.openAPIV3Schema", schema["openAPIV3Schema"]))
                version = {**version, "schema": {**schema, "openAPIV3Schema": {"type": "object"}}}
            stripped["spec"]["versions"].append(version)
    return stripped, schemas


def check_schema(schema: Any, path: str, causes: list[dict[str, str]]) -> None:
    """Unknown keywords and non-object sub-schemas in a CRD's openAPIV3Schema are 422, as in strict validation."""
    if not isinstance(schema, dict):
        causes.append({"reason": "FieldValueInvalid", "message": "Invalid value: must be an object", "field": path})
        return
    allowed = definitions()["$defs"][_PROPS_DEF]["properties"]
    for key, value in schema.items():
        child = f"{path}.{key}"
        if key not in allowed:
            causes.append({"reason": "FieldValueInvalid", "message": f'unknown field "{child}"', "field": child})
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                if key != "dependencies" or isinstance(sub, dict):
                    check_schema(sub, f"{child}.{name}", causes)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            for index, sub in enumerate(value):
                check_schema(sub, f"{child}[{index}]", causes)
        elif key in _SCHEMA_ONE and not isinstance(value, bool | list):
            check_schema(value, child, causes)


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
