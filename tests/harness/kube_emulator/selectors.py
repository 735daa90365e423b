"""Label and field selectors with the API server's grammar."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request

Predicate = Callable[[dict[str, Any]], bool]
_SET_RE = re.compile(r"^\s*(!?)\s*([^\s!=()]+)\s*(?:(notin|in)\s*\((.*)\))?\s*$")
_CMP_RE = re.compile(r"^\s*([^\s!=()]+)\s*(==|=|!=)\s*([^\s]*)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside an `in (...)` value list."""
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def _requirement(text: str) -> Predicate:
    match = _CMP_RE.match(text)
    if match:
        key, op, value = match.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    match = _SET_RE.match(text)
    if not match:
        raise bad_request(f"unable to parse requirement: {text.strip()!r}")
    negate, key, op, values = match.groups()
    if op:
        if negate:
            raise bad_request(f"unable to parse requirement: {text.strip()!r}")
        allowed = {v.strip() for v in values.split(",")}
        if op == "in":
            return lambda labels: labels.get(key) in allowed
        return lambda labels: labels.get(key) not in allowed
    if negate:
        return lambda labels: key not in labels
    return lambda labels: key in labels


def label_selector(selector: str | None) -> Predicate:
    requirements = [_requirement(part) for part in _split(selector or "")]
    return lambda obj: all(req((obj.get("metadata") or {}).get("labels") or {}) for req in requirements)


def _lookup(obj: dict[str, Any], path: str) -> str:
    node: Any = obj
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    if node is None:
        return ""
    return str(node).lower() if isinstance(node, bool) else str(node)


def field_selector(selector: str | None) -> Predicate:
    """metadata.name and metadata.namespace like every resource; other dotted paths leniently (see README)."""
    checks: list[Predicate] = []
    for part in _split(selector or ""):
        match = _CMP_RE.match(part)
        if not match:
            raise bad_request(f"invalid field selector: {part.strip()!r}")
        path, op, value = match.groups()
        if op == "!=":
            checks.append(lambda obj, p=path, v=value: _lookup(obj, p) != v)
        else:
            checks.append(lambda obj, p=path, v=value: _lookup(obj, p) == v)
    return lambda obj: all(check(obj) for check in checks)
