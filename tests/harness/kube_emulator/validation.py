"""Object validation: built-in kinds against kubernetes-validate's strict schemas, custom resources against their CRD.

Schemas are loaded lazily on first use of a kind and cached, so start-up stays fast.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema
    from referencing import Registry

SCHEMA_VERSION = "v1.35.0"
# Located without importing kubernetes_validate; jsonschema is imported on first validation (start-up stays fast).
_SPEC = importlib.util.find_spec("kubernetes_validate")
_PACKAGE_DIR = Path(_SPEC.origin).parent if _SPEC and _SPEC.origin else Path()
SCHEMA_DIR = _PACKAGE_DIR / "kubernetes-json-schema" / f"{SCHEMA_VERSION}-local-strict"
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"

_lock = threading.Lock()
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
# Kinds whose names must be DNS-1123 labels rather than subdomains, as in the real API server.
_LABEL_NAMED = {"Namespace", "Service"}


@lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    """The `$defs` of all Kubernetes types; also the source of strategic-merge patch metadata."""
    with (SCHEMA_DIR / "_definitions.json").open() as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def _registry() -> Registry:
    from referencing import Registry, Resource

    return Registry().with_resource(DEFINITIONS_ID, Resource.from_contents(definitions()))


@lru_cache(maxsize=256)
def _builtin_validator(kind: str, group: str, version: str) -> jsonschema.protocols.Validator | None:
    prefix = f"-{group.split('.')[0]}" if group else ""
    path = SCHEMA_DIR / f"{kind.lower()}{prefix}-{version}.json"
    if not path.exists():
        return None
    import jsonschema

    with path.open() as handle:
        schema = json.load(handle)
    return jsonschema.Draft202012Validator(schema, registry=_registry())


def definition_name(kind: str, group: str, version: str) -> str | None:
    """The `$defs` key of a built-in kind, found through x-kubernetes-group-version-kind."""
    return _gvk_index().get((group, version, kind))


@lru_cache(maxsize=1)
def _gvk_index() -> dict[tuple[str, str, str], str]:
    index = {}
    for name, schema in definitions()["$defs"].items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            index.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return index


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_builtin(obj: dict[str, Any], kind: str, group: str, version: str) -> list[dict[str, str]]:
    """Return API-server style causes ({reason, message, field}) for every schema violation."""
    with _lock:  # the first build of a validator must not race with another thread building the same one
        validator = _builtin_validator(kind, group, version)
    if validator is None:
        return []
    causes = []
    for error in validator.iter_errors(obj):
        field = _path(error.absolute_path)
        if error.validator == "additionalProperties" and error.validator_value is False:
            known = set(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - known):
                name = f"{field}.{extra}" if field else extra
                causes.append({"reason": "FieldValueInvalid", "message": f'unknown field "{name}"', "field": name})
            continue
        message = f"Invalid value: {json.dumps(error.instance)[:80]}: {error.message[:200]}"
        causes.append({"reason": "FieldValueInvalid", "message": message, "field": field or "<root>"})
    return causes


def validate_metadata(obj: dict[str, Any], kind: str) -> list[dict[str, str]]:
    """Name, label and annotation checks the API server applies to every object."""
    causes = []
    meta = obj.get("metadata") or {}
    name = meta.get("name") or ""
    pattern, limit = (_DNS_LABEL, 63) if kind in _LABEL_NAMED else (_DNS_SUBDOMAIN, 253)
    if name and (not pattern.match(name) or len(name) > limit):
        message = f'Invalid value: "{name}": a lowercase RFC 1123 name must consist of lower case alphanumeric '
        causes.append(
            {"reason": "FieldValueInvalid", "message": message + "characters or '-'", "field": "metadata.name"}
        )
    for key, value in (meta.get("labels") or {}).items():
        if not _valid_qualified_name(str(key)):
            causes.append(
                {"reason": "FieldValueInvalid", "message": f'Invalid value: "{key}"', "field": "metadata.labels"}
            )
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            message = f'Invalid value: "{value}": a valid label must be 63 characters or less'
            causes.append({"reason": "FieldValueInvalid", "message": message, "field": f"metadata.labels.{key}"})
    for key in meta.get("annotations") or {}:
        if not _valid_qualified_name(str(key)):
            message = f'Invalid value: "{key}"'
            causes.append({"reason": "FieldValueInvalid", "message": message, "field": "metadata.annotations"})
    return causes


def _valid_qualified_name(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return False
    return len(name) <= 63 and bool(_LABEL_NAME.match(name))


_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
}


def validate_custom(obj: dict[str, Any], schema: dict[str, Any] | None) -> list[dict[str, str]]:
    """Validate a custom resource against its CRD's openAPIV3Schema, rejecting unknown fields unless preserved."""
    if not schema:
        return []
    causes: list[dict[str, str]] = []
    root = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    properties = {
        k: v for k, v in (schema.get("properties") or {}).items() if k not in ("apiVersion", "kind", "metadata")
    }
    _check(root, {**schema, "properties": properties, "type": "object"}, "", causes)
    return causes


def _add(causes: list[dict[str, str]], path: str, message: str, reason: str = "FieldValueInvalid") -> None:
    causes.append({"reason": reason, "message": message, "field": path or "<root>"})


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES.get(expected, object))


def _check(value: Any, schema: dict[str, Any], path: str, causes: list[dict[str, str]]) -> None:
    if value is None:
        if not schema.get("nullable") and schema.get("type"):
            _add(causes, path, f'Invalid value: "null": {path} in body must be of type {schema["type"]}: "null"')
        return
    if schema.get("x-kubernetes-int-or-string"):
        if not (_type_ok(value, "integer") or isinstance(value, str)):
            _add(causes, path, f"Invalid value: {json.dumps(value)}: must be an integer or a string")
        return
    expected = schema.get("type")
    if expected and not _type_ok(value, expected):
        _add(causes, path, f'Invalid value: "{type(value).__name__}": {path} in body must be of type {expected}')
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(v) for v in schema["enum"])
        _add(
            causes,
            path,
            f"Unsupported value: {json.dumps(value)}: supported values: {allowed}",
            "FieldValueNotSupported",
        )
    _check_bounds(value, schema, path, causes)
    for sub in schema.get("allOf") or []:
        _check(value, {**sub, "x-kubernetes-preserve-unknown-fields": True}, path, causes)
    if isinstance(value, dict):
        _check_object(value, schema, path, causes)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _check(item, schema["items"], f"{path}[{index}]", causes)


def _check_bounds(value: Any, schema: dict[str, Any], path: str, causes: list[dict[str, str]]) -> None:
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            _add(causes, path, f"Invalid value: \"{value}\": {path} in body should match '{schema['pattern']}'")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            _add(causes, path, f"Too long: may not be more than {schema['maxLength']} bytes", "FieldValueTooLong")
        if "minLength" in schema and len(value) < schema["minLength"]:
            _add(causes, path, f"Invalid value: {path} in body should be at least {schema['minLength']} chars long")
    elif _type_ok(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            _add(
                causes,
                path,
                f"Invalid value: {value}: {path} in body should be greater than or equal to {schema['minimum']}",
            )
        if "maximum" in schema and value > schema["maximum"]:
            _add(
                causes,
                path,
                f"Invalid value: {value}: {path} in body should be less than or equal to {schema['maximum']}",
            )
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            _add(
                causes,
                path,
                f"Too many: {len(value)}: must have at most {schema['maxItems']} items",
                "FieldValueTooMany",
            )
        if "minItems" in schema and len(value) < schema["minItems"]:
            _add(causes, path, f"Invalid value: {path} in body should have at least {schema['minItems']} items")


def _check_object(value: dict[str, Any], schema: dict[str, Any], path: str, causes: list[dict[str, str]]) -> None:
    properties = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in value:
            _add(causes, f"{path}.{name}" if path else name, "Required value", "FieldValueRequired")
    embedded = schema.get("x-kubernetes-embedded-resource")
    additional = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields")
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        if key in properties:
            _check(item, properties[key], child, causes)
        elif embedded and key in ("apiVersion", "kind", "metadata"):
            continue
        elif isinstance(additional, dict):
            _check(item, additional, child, causes)
        elif additional is True or preserve:
            continue
        else:
            _add(causes, child, f'unknown field "{child}"')
