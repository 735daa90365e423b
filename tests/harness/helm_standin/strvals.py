"""Helm's ``--set`` family of value parsers (a port of helm.sh/helm/v3/pkg/strvals).

Supported: dotted keys, escaped dots (``a\\.b``), list indexes (``a[0].b``, ``a[0][1]``),
list values (``{a,b}``), escaped commas, and Helm's typing rules (``true``/``false``,
``null``, integers without a leading zero; everything else stays a string).
"""

from __future__ import annotations

import json
from typing import Any

RAW = "raw"
STRING = "string"
JSON = "json"
LITERAL = "literal"
FILE = "file"
MAX_INDEX = 65536  # Helm refuses larger indexes so a typo cannot allocate a huge list


class StrvalsError(ValueError):
    """A --set expression Helm would refuse."""


def typed(value: str) -> Any:
    """Helm's typedVal for --set."""
    if value.lower() == "true":
        return True
    if value.lower() == "false":
        return False
    if value == "null":
        return None
    if value == "0":
        return 0
    if value and value[0] != "0":
        try:
            number = int(value, 10)
        except ValueError:
            return value
        if -(2**63) <= number < 2**63 and value.lstrip("+-").isdigit():
            return number
    return value


class _Parser:
    def __init__(self, text: str, kind: str) -> None:
        self.text = text
        self.pos = 0
        self.kind = kind

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def read_until(self, stops: str) -> tuple[str, str | None]:
        """Read up to one of ``stops``, honouring backslash escapes; return (text, stop or None)."""
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and self.pos < len(self.text):
                out.append(self.text[self.pos])
                self.pos += 1
                continue
            if char in stops:
                return "".join(out), char
            out.append(char)
        return "".join(out), None

    def parse(self, target: dict[str, Any]) -> None:
        while not self.at_end():
            self.key(target)

    def key(self, target: dict[str, Any]) -> None:
        name, stop = self.read_until("=[,.")
        if stop is None:
            raise StrvalsError(f'key "{name}" has no value')
        if stop == ",":
            raise StrvalsError(f'key "{name}" has no value (cannot end with ,)')
        if not name:
            raise StrvalsError(f"key is empty in {self.text!r}")
        if stop == "=":
            target[name] = self.value()
            return
        if stop == ".":
            child = target.get(name)
            if not isinstance(child, dict):
                child = {}
            target[name] = child
            self.key(child)
            return
        existing = target.get(name)
        target[name] = self.index_into(existing if isinstance(existing, list) else [])

    def index(self) -> int:
        raw, stop = self.read_until("]")
        if stop is None:
            raise StrvalsError(f"missing ] in {self.text!r}")
        try:
            number = int(raw)
        except ValueError as exc:
            raise StrvalsError(f"invalid list index {raw!r}") from exc
        if number < 0 or number > MAX_INDEX:
            raise StrvalsError(f"list index {number} out of range")
        return number

    def index_into(self, items: list[Any]) -> list[Any]:
        """Handle ``[n]`` followed by ``=value``, ``.key`` or another ``[m]``."""
        number = self.index()
        while len(items) <= number:
            items.append(None)
        if self.at_end():
            raise StrvalsError(f"list index {number} has no value")
        follow = self.text[self.pos]
        self.pos += 1
        if follow == "=":
            items[number] = self.value()
        elif follow == ".":
            child = items[number] if isinstance(items[number], dict) else {}
            items[number] = child
            self.key(child)
        elif follow == "[":
            nested = items[number] if isinstance(items[number], list) else []
            items[number] = self.index_into(nested)
        else:
            raise StrvalsError(f"unexpected {follow!r} after list index {number}")
        return items

    def value(self) -> Any:
        if self.kind == JSON:
            return self.json_value()
        if self.kind == LITERAL:
            rest = self.text[self.pos :]
            self.pos = len(self.text)
            return rest
        if self.kind == FILE:
            path, _stop = self.read_until(",")
            try:
                with open(path, encoding="utf-8") as handle:
                    return handle.read()
            except OSError as exc:
                raise StrvalsError(f"failed to read --set-file {path}: {exc}") from exc
        if self.text.startswith("{", self.pos) and self.kind == RAW:
            return self.list_value()
        raw, _stop = self.read_until(",")
        return raw if self.kind == STRING else typed(raw)

    def list_value(self) -> list[Any]:
        self.pos += 1
        items: list[Any] = []
        while True:
            raw, stop = self.read_until(",}")
            if stop is None:
                raise StrvalsError(f"list must terminate with '}}' in {self.text!r}")
            items.append(typed(raw))
            if stop == "}":
                break
        if not self.at_end():
            if self.text[self.pos] != ",":
                raise StrvalsError(f"unexpected {self.text[self.pos]!r} after list in {self.text!r}")
            self.pos += 1
        return items

    def json_value(self) -> Any:
        try:
            value, end = json.JSONDecoder().raw_decode(self.text, self.pos)
        except json.JSONDecodeError as exc:
            raise StrvalsError(f"failed parsing --set-json data {self.text[self.pos :]!r}: {exc}") from exc
        self.pos = end
        if not self.at_end():
            if self.text[self.pos] != ",":
                raise StrvalsError(f"unexpected {self.text[self.pos]!r} after JSON value")
            self.pos += 1
        return value


def parse_into(expression: str, target: dict[str, Any], kind: str = RAW) -> dict[str, Any]:
    """Parse one --set style expression into ``target`` (modified in place and returned)."""
    _Parser(expression, kind).parse(target)
    return target
