"""Bad input to the vllm and keda roles is refused with one line per broken rule, naming the setting.

Runs each role's input checks (the `validate` tasks site.yml runs before any write) with ansible-playbook and
reads the message a user sees; no cluster is involved.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tests.conftest import run_playbook

AWQ_8B = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"
PLAY = """
- name: Check the {role} role's inputs
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Check the inputs
      ansible.builtin.include_role:
        name: gpuops.llm_inference.{role}
        tasks_from: validate
"""
pytestmark = pytest.mark.slow


def failure_messages(role: str, **extra_vars: Any) -> list[str]:
    """The messages of the failed results, loop items one by one (the JSON callback keeps them apart)."""
    rc, out, err = run_playbook(
        PLAY.format(role=role), extra_vars, env={**os.environ, "ANSIBLE_STDOUT_CALLBACK": "json"}
    )
    assert rc != 0, out + err
    messages = []
    for play in json.loads(out)["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                for item in result.get("results", [result]):
                    if item.get("failed"):
                        messages.append(item["msg"])
    return messages


def test_a_bad_models_entry_gets_one_line_per_broken_rule() -> None:
    models = [{"name": "llama", "repo_id": AWQ_8B, "tensor_parallel_size": 0, "cache_size": "30G"}]

    [message] = failure_messages("vllm", vllm_models=models)

    assert message.splitlines() == [
        "vllm_models entry 'llama': tensor_parallel_size must be at least 1, got 0",
        "vllm_models entry 'llama': cache_size must be a size such as 30Gi or 1Ti, got '30G'",
    ]


def test_an_unknown_gpu_flavor_gives_one_clean_message() -> None:
    models = [{"name": "llama", "repo_id": AWQ_8B, "gpu_flavor": "rtx9000-1"}]

    [message] = failure_messages("vllm", vllm_models=models)

    assert message.startswith(
        "vllm_models entry 'llama': gpu_flavor 'rtx9000-1' is not a GPU flavor the planner knows;"
    )
    assert "filter plugin" not in message and "planner_model" not in message
    assert len(message.splitlines()) == 1


def test_tensor_parallel_4_on_a_one_gpu_flavor_first_suggests_what_fits_on_that_flavor() -> None:
    models = [{"name": "llama", "repo_id": AWQ_8B, "tensor_parallel_size": 4, "gpu_flavor": "rtx5000-28"}]

    [message] = failure_messages("vllm", vllm_models=models)

    assert "does not fit gpu_flavor rtx5000-28: tensor_parallel_size 4 needs 4 GPUs, the flavor has 1." in message
    assert "Nearest configuration that fits: tensor_parallel_size 1 (the GPUs gpu_flavor rtx5000-28 has)" in message


def test_a_bad_cron_start_is_named_as_the_start() -> None:
    [message] = failure_messages("keda", keda_cron_enabled=True, keda_cron_start="8am")

    assert message == "keda_cron_start must be a 24-hour HH:MM time such as 08:00, got '8am'"


def test_cron_days_take_what_cron_takes_and_a_bad_one_is_named() -> None:
    [message] = failure_messages("keda", keda_cron_enabled=True, keda_cron_days="MON-FRI", keda_cron_replicas=0)

    assert message == "keda_cron_replicas must be a whole number of at least 1, got 0"
    [message] = failure_messages("keda", keda_cron_enabled=True, keda_cron_days="1-7")
    assert message.startswith("keda_cron_days must be a cron day-of-week field: 0-6 or SUN-SAT")
