"""OpenAPI v2 and v3 documents built from the kubernetes-validate 1.35 schemas the emulator validates with.

kubernetes-validate stores the definitions as JSON Schema (`type: [x, "null"]`, `$defs`, `additionalProperties:
false`, IntOrString/Quantity as `oneOf`); these are turned back into the OpenAPI forms a real server publishes
(`type: x`, `#/definitions/...` or `#/components/schemas/...`, `format: int-or-string`). Installed CRDs add their
served versions' `openAPIV3Schema` under the reversed-group names the real server uses (`com.example.v1.Widget`).

Paths carry one PATCH operation per resource with `x-kubernetes-group-version-kind` and the `fieldValidation`
query parameter: kubectl's QueryParamVerifier looks for exactly that to decide that the server validates fields
(k8s.io/cli-runtime pkg/resource/query_param_verifier_v3.go `supportsQueryParamV3`); without it kubectl falls back
to client-side validation with the v2 document.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import lru_cache
from typing import Any

from . import validation
from .resources import ResourceType
from .store import Store

_DEFS = "#/$defs/"
_SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
}
_ALWAYS = (
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
)
_QUERY = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")
_INFO = {"title": "Kubernetes", "version": "v1.35.0"}


def _convert(schema: Any, prefix: str, name: str = "") -> Any:
    if isinstance(schema, list):
        return [_convert(item, prefix) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, list):
            value = next((t for t in value if t != "null"), "object")
        elif key == "$ref":
            value = prefix + value.removeprefix(_DEFS)
        elif key == "additionalProperties" and value is False:
            continue
        elif key == "properties":
            value = {
                prop: _convert(sub, prefix, prop)
                if prop not in ("apiVersion", "kind")
                else {k: v for k, v in _convert(sub, prefix).items() if k != "enum"}
                for prop, sub in value.items()
            }
        elif key in ("items", "additionalProperties", "allOf", "oneOf", "anyOf", "not"):
            value = _convert(value, prefix)
        out[key] = value
    return out


def builtin_definitions(prefix: str) -> dict[str, Any]:
    return dict(_builtin_definitions(prefix))


@lru_cache(maxsize=2)
def _builtin_definitions(prefix: str) -> dict[str, Any]:
    definitions = {}
    for name, schema in validation.definitions()["$defs"].items():
        if name in _SPECIAL:
            definitions[name] = {"description": schema.get("description", ""), **_SPECIAL[name]}
        else:
            definitions[name] = _convert(schema, prefix)
    return definitions


def crd_definition_name(rt: ResourceType) -> str:
    return ".".join([*reversed(rt.group.split(".")), rt.version, rt.kind])


def crd_definition(rt: ResourceType, prefix: str) -> dict[str, Any]:
    schema = copy.deepcopy(rt.crd_schema or {"type": "object"})
    properties = schema.setdefault("properties", {})
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    properties["metadata"] = {"$ref": f"{prefix}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    return {**schema, "x-kubernetes-group-version-kind": [gvk]}


def _closure(definitions: dict[str, Any], roots: list[str], prefix: str) -> dict[str, Any]:
    """The named definitions plus every definition they reference, transitively."""
    seen: dict[str, Any] = {}
    pending = [r for r in roots if r in definitions]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen[name] = definitions[name]
        text = json.dumps(definitions[name])
        for part in text.split(f'"$ref": "{prefix}')[1:]:
            ref = part.split('"', 1)[0]
            if ref not in seen and ref in definitions:
                pending.append(ref)
    return dict(sorted(seen.items()))


def _path(rt: ResourceType) -> str:
    base = f"/apis/{rt.group}/{rt.version}" if rt.group else "/api/v1"
    scope = "/namespaces/{namespace}" if rt.namespaced else ""
    return f"{base}{scope}/{rt.plural}/{{name}}"


def _operations(rt: ResourceType, v3: bool) -> dict[str, Any]:
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    typed = {"schema": {"type": "string"}} if v3 else {"type": "string"}
    params = [{"name": q, "in": "query", **typed} for q in _QUERY]
    path_params = [{"name": "name", "in": "path", "required": True, **typed}]
    ops = {}
    for method, action in (("get", "get"), ("put", "put"), ("patch", "patch"), ("delete", "delete")):
        ops[method] = {
            "operationId": f"{action}{rt.kind}",
            "parameters": params if method != "get" else [],
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
        }
    return {"parameters": path_params, **ops}


def _kind_definition(rt: ResourceType, definitions: dict[str, Any]) -> str | None:
    if rt.is_crd:
        return crd_definition_name(rt)
    return validation.definition_name(rt.kind, rt.group, rt.version)


def _types(store: Store) -> list[ResourceType]:
    with store.lock:
        return sorted(store.types.values(), key=lambda rt: (rt.group, rt.version, rt.plural))


def v2(store: Store) -> dict[str, Any]:
    prefix = "#/definitions/"
    definitions = builtin_definitions(prefix)
    paths = {}
    for rt in _types(store):
        if rt.is_crd:
            definitions[crd_definition_name(rt)] = _v2_schema(crd_definition(rt, prefix))
        paths[_path(rt)] = _operations(rt, v3=False)
    return {"swagger": "2.0", "info": _INFO, "paths": paths, "definitions": definitions}


def _v2_schema(schema: Any) -> Any:
    """OpenAPI v2 has no nullable, oneOf, anyOf or not; the real server drops them from CRD schemas too."""
    if isinstance(schema, list):
        return [_v2_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    dropped = ("nullable", "oneOf", "anyOf", "not", "x-kubernetes-validations")
    return {k: _v2_schema(v) for k, v in schema.items() if k not in dropped}


def group_version_key(rt: ResourceType) -> str:
    return f"apis/{rt.group}/{rt.version}" if rt.group else "api/v1"


def v3_document(store: Store, key: str) -> dict[str, Any] | None:
    prefix = "#/components/schemas/"
    types = [rt for rt in _types(store) if group_version_key(rt) == key]
    if not types:
        return None
    definitions = builtin_definitions(prefix)
    roots = list(_ALWAYS)
    for rt in types:
        if rt.is_crd:
            definitions[crd_definition_name(rt)] = crd_definition(rt, prefix)
        name = _kind_definition(rt, definitions)
        if name:
            roots += [name, f"{name}List"]
    schemas = _closure(definitions, roots, prefix)
    paths = {_path(rt): _operations(rt, v3=True) for rt in types}
    return {"openapi": "3.0.0", "info": _INFO, "paths": paths, "components": {"schemas": schemas}}


def v3_index(store: Store) -> dict[str, Any]:
    keys = sorted({group_version_key(rt) for rt in _types(store)})
    paths = {}
    for key in keys:
        # The hash only has to change when the document does: built-in schemas are fixed, CRD schemas are not.
        crds = [(rt.plural, rt.kind, rt.crd_schema) for rt in _types(store) if group_version_key(rt) == key]
        digest = hashlib.sha512(json.dumps(crds, sort_keys=True).encode()).hexdigest().upper()[:128]
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}
