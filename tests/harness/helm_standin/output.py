"""Printing helpers: Helm's ``-o yaml|json|table`` conventions."""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml

from .args import Invocation, UsageError

FORMATS = ("table", "yaml", "json")


def output_format(invocation: Invocation) -> str:
    chosen = invocation.value("output", "table") or "table"
    if chosen not in FORMATS:
        raise UsageError(f'invalid argument "{chosen}" for "-o, --output" flag: invalid format type')
    return chosen


def to_yaml(data: Any) -> str:
    """sigs.k8s.io/yaml style: sorted keys, block style, ``null`` for nothing."""
    if data is None:
        return "null\n"
    text = yaml.safe_dump(data, sort_keys=True, default_flow_style=False)
    return text[: -len("...\n")] if text.endswith("\n...\n") else text


def emit(data: Any, chosen: str) -> None:
    if chosen == "json":
        sys.stdout.write(json.dumps(data, separators=(",", ":")) + "\n")
    else:
        sys.stdout.write(to_yaml(data))


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
        sys.stdout.write("\t".join(cells).rstrip() + "\n")
