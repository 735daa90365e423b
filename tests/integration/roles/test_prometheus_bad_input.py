"""Bad prometheus and gpu_operator input is refused by the `validate` entry point, naming the variable.

`validate` is what playbooks/site.yml's pre-flight play runs for every role before any role writes; it reads
nothing from the cluster, so these runs need no emulator.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import run_playbook

VALIDATE_PLAY = """
- name: Check one role's inputs
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Validate
      ansible.builtin.include_role:
        name: gpuops.llm_inference.{role}
        tasks_from: validate
"""
CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "vllm too old for the metric names": ("prometheus", {"gpuops_vllm_version": "v0.8.3"}, "prometheus_vllm_version"),
    "kv cache ratio above one": (
        "prometheus",
        {"prometheus_alert_kv_cache_ratio": 90},
        "prometheus_alert_kv_cache_ratio",
    ),
    "release name the chart would truncate": (
        "prometheus",
        {"prometheus_release_name": "a-very-long-kube-prometheus-stack-release"},
        "prometheus_release_name",
    ),
    "not a prometheus duration": (
        "prometheus",
        {"prometheus_alert_queue_for": "5 minutes"},
        "prometheus_alert_queue_for",
    ),
    "time-slicing one replica": (
        "gpu_operator",
        {"gpu_operator_time_slicing_enabled": True, "gpu_operator_time_slicing_replicas": 1},
        "gpu_operator_time_slicing_replicas",
    ),
    "waiting for GPUs without the device plugin": (
        "gpu_operator",
        {"gpu_operator_wait_for_gpu": True, "gpu_operator_device_plugin_enabled": False},
        "gpu_operator_device_plugin_enabled",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_naming_the_variable(case: str) -> None:
    role, extra_vars, variable = CASES[case]
    rc, out, err = run_playbook(VALIDATE_PLAY.format(role=role), extra_vars)
    assert rc != 0, out
    failure = "\n".join(line for line in (out + err).splitlines() if "msg" in line)
    assert variable in failure, failure


@pytest.mark.parametrize("role", ["prometheus", "gpu_operator"])
def test_the_defaults_pass(role: str) -> None:
    rc, out, err = run_playbook(VALIDATE_PLAY.format(role=role))
    assert rc == 0, out + err
