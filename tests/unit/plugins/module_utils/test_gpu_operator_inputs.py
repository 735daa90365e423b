"""The gpu_operator role's inputs: one line per broken rule, each naming the variable the user set."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.gpu_operator_inputs import problems

GOOD: dict[str, Any] = {
    "gpu_operator_namespace": "gpu-operator",
    "gpu_operator_device_plugin_enabled": True,
    "gpu_operator_time_slicing_enabled": True,
    "gpu_operator_time_slicing_replicas": 2,
    "gpu_operator_time_slicing_configmap": "time-slicing-config",
    "gpu_operator_wait_for_gpu": True,
    "gpu_operator_wait_for_gpu_nodes": 1,
    "gpu_operator_wait_for_gpu_retries": 60,
    "gpu_operator_wait_for_gpu_delay": 10,
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_good_inputs_with_time_slicing_and_the_wait_on_break_no_rule() -> None:
    assert problems(GOOD) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"gpu_operator_namespace": "GPU"},
            "gpu_operator_namespace (gpuops_gpu_operator_namespace) must be a DNS-1123 label, got 'GPU'",
        ),
        ({"gpu_operator_time_slicing_replicas": 1}, "gpu_operator_time_slicing_replicas must be at least 2, got 1"),
        (
            {"gpu_operator_time_slicing_configmap": "Time_Slicing"},
            "gpu_operator_time_slicing_configmap must be a DNS-1123 name, got 'Time_Slicing'",
        ),
        ({"gpu_operator_wait_for_gpu_nodes": 0}, "gpu_operator_wait_for_gpu_nodes must be at least 1, got 0"),
        ({"gpu_operator_wait_for_gpu_retries": -1}, "gpu_operator_wait_for_gpu_retries must be at least 1, got -1"),
        ({"gpu_operator_wait_for_gpu_delay": "soon"}, "gpu_operator_wait_for_gpu_delay must be at least 1, got 'soon'"),
    ],
)
def test_each_broken_rule_is_one_line_naming_its_variable(changes: dict[str, Any], message: str) -> None:
    assert problems(with_(**changes)) == [message]


def test_time_slicing_and_the_wait_both_need_the_device_plugin() -> None:
    assert problems(with_(gpu_operator_device_plugin_enabled=False)) == [
        "gpu_operator_time_slicing_enabled needs gpu_operator_device_plugin_enabled (the device plugin does the "
        "sharing)",
        "gpu_operator_wait_for_gpu needs gpu_operator_device_plugin_enabled (nothing else advertises nvidia.com/gpu)",
    ]


def test_time_slicing_and_wait_settings_are_not_checked_while_they_are_off() -> None:
    broken = with_(
        gpu_operator_device_plugin_enabled=False,
        gpu_operator_time_slicing_replicas=0,
        gpu_operator_time_slicing_configmap="",
        gpu_operator_wait_for_gpu_nodes=0,
        gpu_operator_wait_for_gpu_retries=0,
        gpu_operator_wait_for_gpu_delay=0,
    )
    assert problems({**broken, "gpu_operator_time_slicing_enabled": False, "gpu_operator_wait_for_gpu": "no"}) == []
    assert len(problems(broken)) == 7


def test_numbers_given_as_text_are_read_as_numbers() -> None:
    assert problems(with_(gpu_operator_time_slicing_replicas="4", gpu_operator_wait_for_gpu_nodes="2")) == []


def test_several_broken_rules_give_one_line_each_naming_its_variable() -> None:
    found = problems(
        with_(gpu_operator_namespace="", gpu_operator_time_slicing_replicas=1, gpu_operator_wait_for_gpu_delay=0)
    )
    assert [line.split(" ", 1)[0] for line in found] == [
        "gpu_operator_namespace",
        "gpu_operator_time_slicing_replicas",
        "gpu_operator_wait_for_gpu_delay",
    ]
