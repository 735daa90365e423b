"""The four PATCH flavours: JSON merge patch, JSON patch, strategic merge patch and (approximated) apply.

Strategic merge reads the real patch metadata (x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key) from the
kubernetes-validate definitions, so lists such as containers, env, ports and volumes merge by key exactly where the
real server merges them, and atomic lists (tolerations, args) are replaced.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError, bad_request
from .jsonutil import clone
from .validation import definition_name, definitions

_DELETE = object()


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise ApiError(
                422, f"the server rejected our request due to an error in our request: missing path {part!r}"
            )
    return node, parts[-1]


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    parent, last = _parent(doc, parts)
    try:
        return parent[int(last)] if isinstance(parent, list) else parent[last]
    except (KeyError, IndexError, ValueError) as err:
        raise ApiError(422, f"the server rejected our request: path {path!r} does not exist") from err


def _remove(doc: Any, path: str) -> Any:
    value = _get(doc, path)
    parent, last = _parent(doc, _pointer(path))
    if isinstance(parent, list):
        parent.pop(int(last))
    else:
        del parent[last]
    return value


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _parent(doc, parts)
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise ApiError(422, f"the server rejected our request: index {last!r} out of range")
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ApiError(422, f"the server rejected our request: cannot add to {path!r}")
    return doc


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 (add, remove, replace, move, copy, test)."""
    if not isinstance(operations, list):
        raise bad_request("json patch must be a list of operations")
    doc = clone(target)
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise bad_request(f"invalid json patch operation {op!r}")
        kind, path = op.get("op"), op["path"]
        if kind == "add":
            doc = _add(doc, path, clone(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            if _pointer(path):
                parent, last = _parent(doc, _pointer(path))
                parent[int(last) if isinstance(parent, list) else last] = clone(op.get("value"))
            else:
                doc = clone(op.get("value"))
        elif kind in ("move", "copy"):
            source = op.get("from", "")
            value = _remove(doc, source) if kind == "move" else clone(_get(doc, source))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise ApiError(422, f"the server rejected our request: test operation failed at {path!r}")
        else:
            raise bad_request(f"unknown json patch operation {kind!r}")
    return doc


class SchemaNode:
    """A cursor into the Kubernetes definitions, following $ref, giving patch metadata for a field."""

    def __init__(self, schema: dict[str, Any] | None) -> None:
        self.schema = self._resolve(schema or {})

    @staticmethod
    def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 20:
            name = schema["$ref"].rsplit("/", 1)[-1]
            merged = dict(definitions()["$defs"].get(name, {}))
            merged.update({k: v for k, v in schema.items() if k != "$ref"})
            schema, seen = merged, seen + 1
        return schema

    @classmethod
    def for_kind(cls, kind: str, group: str, version: str) -> SchemaNode:
        name = definition_name(kind, group, version)
        return cls(definitions()["$defs"].get(name) if name else None)

    def field(self, key: str) -> SchemaNode:
        props = self.schema.get("properties") or {}
        if key in props:
            return SchemaNode(props[key])
        additional = self.schema.get("additionalProperties")
        return SchemaNode(additional if isinstance(additional, dict) else None)

    def items(self) -> SchemaNode:
        items = self.schema.get("items")
        return SchemaNode(items if isinstance(items, dict) else None)

    def list_merge_key(self) -> str | None:
        """Merge key for a list that merges (strategic merge metadata or, for CRDs, list-map keys)."""
        strategy = self.schema.get("x-kubernetes-patch-strategy", "")
        if "merge" in strategy.split(","):
            return self.schema.get("x-kubernetes-patch-merge-key") or ""
        keys = self.schema.get("x-kubernetes-list-map-keys")
        if self.schema.get("x-kubernetes-list-type") == "map" and keys:
            return keys[0]
        if self.schema.get("x-kubernetes-list-type") == "set":
            return ""
        return None

    def retain_keys(self) -> bool:
        return "retainKeys" in self.schema.get("x-kubernetes-patch-strategy", "").split(",")


def strategic_merge(original: Any, patch: Any, node: SchemaNode) -> Any:
    """Strategic merge of `patch` into `original` (a simplified port of apimachinery's strategicpatch)."""
    if not isinstance(patch, dict):
        return clone(patch)
    if patch.get("$patch") == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return _DELETE
    result = clone(original) if isinstance(original, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field) or [] if v not in (value or [])]
            continue
        child = node.field(key)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, child)
        else:
            merged = strategic_merge(result.get(key), value, child)
            if merged is _DELETE:
                result.pop(key, None)
            else:
                result[key] = merged
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(original: Any, patch: list[Any], node: SchemaNode) -> list[Any]:
    merge_key = node.list_merge_key()
    if merge_key is None or not isinstance(original, list):
        return [_strip(item) for item in patch if not (isinstance(item, dict) and item.get("$patch") == "delete")]
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [_strip(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)]
    result = clone(original)
    if merge_key == "":  # a set of primitives: union, keeping order
        for item in patch:
            if item not in result:
                result.append(clone(item))
        return result
    items_node = node.items()
    for item in patch:
        if not isinstance(item, dict):
            raise bad_request(f"list item {item!r} is not an object with merge key {merge_key!r}")
        position = next(
            (i for i, cur in enumerate(result) if isinstance(cur, dict) and cur.get(merge_key) == item.get(merge_key)),
            None,
        )
        if item.get("$patch") == "delete":
            if position is not None:
                result.pop(position)
            continue
        if position is None:
            result.append(_strip(item))
        else:
            result[position] = strategic_merge(result[position], item, items_node)
    return result


def _strip(value: Any) -> Any:
    """Drop patch directives from a value that is inserted rather than merged."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def crd_node(schema: dict[str, Any] | None) -> SchemaNode:
    """A schema cursor over a CRD's openAPIV3Schema (no $refs there), used for apply on custom resources."""
    node = SchemaNode.__new__(SchemaNode)
    node.schema = schema or {}
    return node


def leaf_paths(value: Any, prefix: tuple = ()) -> set[tuple]:
    """Field paths set by an applied configuration; list items are identified as a whole by index-free path."""
    if isinstance(value, dict) and value:
        paths: set[tuple] = set()
        for key, item in value.items():
            paths |= leaf_paths(item, (*prefix, key))
        return paths
    return {prefix}


def remove_path(obj: dict[str, Any], path: tuple) -> None:
    node: Any = obj
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return
        node = node[key]
    if isinstance(node, dict):
        node.pop(path[-1], None)


def fields_v1(value: Any) -> dict[str, Any]:
    """An approximate managedFields fieldsV1 tree (maps only; lists are owned as a whole)."""
    if not isinstance(value, dict):
        return {}
    return {f"f:{key}": fields_v1(item) for key, item in value.items()}
