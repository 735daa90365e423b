"""What check mode reports for one kubernetes.core.k8s call, so that it works on a fresh cluster.

kubernetes.core.k8s in check mode sends a server-side dry run. On a cluster where an earlier task of the same run
would have created the namespace (or installed the CRD) the object lives in, that dry run fails with a 404
(`namespaces "x" not found`, `Failed to find exact match for ...`), and an object it would create comes back
without a diff. This module turns both into what a user of `--check --diff` expects: `changed` with a diff from
nothing to the object. Nothing here talks to a cluster; the action plugin `gpuops.llm_inference.k8s` calls it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

# The two failures that mean "the namespace or the API is created earlier in this same run", as kubernetes.core 6
# words them (module_utils/k8s/service.py find_resource, and the API server's NotFound Status for a namespace).
_PLANNED_FAILURES = (
    re.compile(r"Failed to find exact match for \S+ by \[kind, name, singularName, shortNames\]"),
    re.compile(r'namespaces \\?"[a-z0-9.-]+\\?" not found'),
)
PLANNED_WARNING = (
    "Check mode: {count} object(s) shown as they would be created; their namespace or API (CRD) does not exist yet, "
    "it comes from an earlier task of this run."
)


def is_planned_failure(result: dict[str, Any]) -> bool:
    """True when a failed check-mode result only failed because a namespace or CRD is not there yet."""
    if not result.get("failed"):
        return False
    message = str(result.get("msg", ""))
    return any(pattern.search(message) for pattern in _PLANNED_FAILURES)


def _creation_diff(obj: dict[str, Any]) -> dict[str, Any]:
    return {"before": {}, "after": copy.deepcopy(obj)}


def _with_creation_diff(result: dict[str, Any]) -> dict[str, Any]:
    if result.get("changed") and result.get("method") == "create" and not result.get("diff"):
        result = dict(result, diff=_creation_diff(result.get("result") or {}))
    return result


def check_mode_result(result: dict[str, Any], state: str, definitions: list[dict[str, Any]]) -> dict[str, Any]:
    """The result to report for a check-mode run of kubernetes.core.k8s.

    `result` is what the module returned, `state` its `state` option and `definitions` the objects it was given.
    """
    if is_planned_failure(result):
        if state == "absent":
            # Nothing can exist in a namespace or of a kind that does not exist yet.
            return {"changed": False, "result": {}, "msg": "Check mode: nothing to delete, the API is not there yet."}
        planned = {
            "changed": True,
            "method": "create",
            "warnings": [*result.get("warnings", []), PLANNED_WARNING.format(count=len(definitions))],
        }
        if len(definitions) == 1:
            return dict(planned, result=definitions[0], diff=_creation_diff(definitions[0]))
        results = [{"changed": True, "method": "create", "result": d, "diff": _creation_diff(d)} for d in definitions]
        return dict(planned, result={"results": results}, diff=[r["diff"] for r in results])
    if result.get("failed"):
        return result
    results = (result.get("result") or {}).get("results") if isinstance(result.get("result"), dict) else None
    if isinstance(results, list) and "method" not in result:
        with_diffs = [_with_creation_diff(r) for r in results]
        merged = dict(result, result=dict(result["result"], results=with_diffs))
        diffs = [r["diff"] for r in with_diffs if r.get("changed") and r.get("diff")]
        if diffs and not result.get("diff"):
            merged["diff"] = diffs
        return merged
    return _with_creation_diff(result)
