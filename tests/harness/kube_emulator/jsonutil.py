"""Helpers for JSON-shaped data (dicts, lists, scalars)."""

from __future__ import annotations

from typing import Any


def clone(value: Any) -> Any:
    """Deep copy of JSON data, several times faster than copy.deepcopy (no memo, no reductors); big CRDs need it."""
    if type(value) is dict:
        return {k: clone(v) for k, v in value.items()}
    if type(value) is list:
        return [clone(v) for v in value]
    return value
