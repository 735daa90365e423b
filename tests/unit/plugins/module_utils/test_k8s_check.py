"""What check mode reports for a kubernetes.core.k8s call (the gpuops.llm_inference.k8s action)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.k8s_check import (
    check_mode_result,
    is_planned_failure,
)

ROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "HTTPRoute",
    "metadata": {"name": "api", "namespace": "gw"},
}
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "k", "namespace": "vllm"}}
NO_KIND = (
    "Failed to find exact match for gateway.networking.k8s.io/v1.HTTPRoute by [kind, name, singularName, shortNames]"
)
NO_NAMESPACE = 'Failed to create object: {"kind":"Status","message":"namespaces \\"vllm\\" not found","code":404}'


@pytest.mark.parametrize("message", [NO_KIND, NO_NAMESPACE])
def test_an_object_of_a_kind_or_namespace_made_earlier_in_the_run_is_a_planned_creation_with_its_diff(
    message: str,
) -> None:
    result = check_mode_result({"failed": True, "changed": False, "msg": message}, "present", [ROUTE])

    assert result["changed"] is True
    assert "failed" not in result
    assert result["diff"] == {"before": {}, "after": ROUTE}
    assert any("does not exist yet" in w for w in result["warnings"])


def test_several_planned_objects_each_get_a_diff() -> None:
    result = check_mode_result({"failed": True, "msg": NO_KIND}, "present", [ROUTE, SECRET])

    assert [r["diff"]["after"] for r in result["result"]["results"]] == [ROUTE, SECRET]
    assert result["diff"] == [{"before": {}, "after": ROUTE}, {"before": {}, "after": SECRET}]


def test_deleting_from_an_api_not_there_yet_changes_nothing() -> None:
    result = check_mode_result({"failed": True, "msg": NO_KIND}, "absent", [ROUTE])

    assert result["changed"] is False
    assert "failed" not in result


@pytest.mark.parametrize(
    "message",
    [
        "Failed to create object: 422 Invalid: spec.rules[0].matches: Required value",
        'namespaces "vllm" is forbidden: User cannot create',
        "Failed to patch object: 409 Conflict",
    ],
)
def test_any_other_failure_still_fails(message: str) -> None:
    failed = {"failed": True, "changed": False, "msg": message}

    assert not is_planned_failure(failed)
    assert check_mode_result(failed, "present", [ROUTE]) == failed


def test_a_creation_gets_the_diff_kubernetes_core_leaves_out() -> None:
    module: dict[str, Any] = {"changed": True, "method": "create", "result": SECRET}

    assert check_mode_result(module, "present", [SECRET])["diff"] == {"before": {}, "after": SECRET}


def test_creations_in_a_multi_object_result_get_their_diffs_and_updates_keep_theirs() -> None:
    update_diff = {"before": {"spec": {"a": 1}}, "after": {"spec": {"a": 2}}}
    module = {
        "changed": True,
        "result": {
            "results": [
                {"changed": True, "method": "create", "result": ROUTE},
                {"changed": True, "method": "update", "result": SECRET, "diff": update_diff},
                {"changed": False, "method": "update", "result": SECRET},
            ]
        },
    }

    result = check_mode_result(module, "present", [ROUTE, SECRET, SECRET])

    assert result["diff"] == [{"before": {}, "after": ROUTE}, update_diff]
    assert "diff" not in result["result"]["results"][2]


def test_an_unchanged_object_gets_no_diff() -> None:
    module = {"changed": False, "method": "update", "result": SECRET}

    assert check_mode_result(module, "present", [SECRET]) == module
