# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One check's result, the summary table and the failure message of verify.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Dict, Iterable, List

PASS, FAIL, SKIP = "pass", "fail", "skip"


def check(name: str, result: str, figure: str = "", detail: str = "") -> Dict[str, str]:
    """A result row: `figure` is what a user reads in the table, `detail` what was seen when it failed."""
    return {"name": name, "result": result, "figure": figure, "detail": detail}


def passed(name: str, figure: str = "") -> Dict[str, str]:
    return check(name, PASS, figure)


def failed(name: str, detail: str, figure: str = "") -> Dict[str, str]:
    return check(name, FAIL, figure or detail, detail)


def skipped(name: str, why: str) -> Dict[str, str]:
    return check(name, SKIP, why)


def table(checks: Iterable[Dict[str, Any]]) -> List[str]:
    """Lines of a fixed-width table: check, result, figure."""
    rows = [("CHECK", "RESULT", "FIGURE")] + [
        (str(c["name"]), str(c["result"]).upper(), str(c.get("figure") or "")) for c in checks
    ]
    width0 = max(len(r[0]) for r in rows)
    width1 = max(len(r[1]) for r in rows)
    return ["%s  %s  %s" % (r[0].ljust(width0), r[1].ljust(width1), r[2]) for r in rows]


def failures(checks: Iterable[Dict[str, Any]]) -> List[str]:
    """One sentence per failed check, naming it and what was seen."""
    return [
        "%s: %s" % (c["name"], c.get("detail") or c.get("figure") or "failed") for c in checks if c["result"] == FAIL
    ]


def redact(text: str, secrets: Iterable[str]) -> str:
    """A server may echo a key back (an error page quoting the header): never let it reach a result."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text
