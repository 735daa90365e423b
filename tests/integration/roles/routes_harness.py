"""Run the istio, cert_manager and routes roles with the local inventory against the bundled emulator."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import PLAYBOOK_TIMEOUT, REPO_ROOT, KubeEmulator, PlaybookRun, run_playbook

INVENTORY = REPO_ROOT / "inventories" / "local"
MODELS = [
    {"name": "llama", "served_model_name": "meta-llama/Llama-3.1-8B-Instruct"},
    {"name": "qwen", "served_model_name": "Qwen/Qwen2.5-7B-Instruct"},
]
# The pre-flight first (like site.yml), then the roles: a bad input must stop the run before any write.
PLAYBOOK = """
- name: Check the inputs first
  hosts: gpuops
  gather_facts: false
  tasks:
    - name: Validate role inputs
      ansible.builtin.include_role:
        name: "gpuops.llm_inference.{{ item }}"
        tasks_from: validate
      loop: {roles}
- name: Deploy
  hosts: gpuops
  gather_facts: false
  roles: {role_list}
"""


def playbook_text(roles: list[str]) -> str:
    role_list = json.dumps([{"role": f"gpuops.llm_inference.{r}"} for r in roles])
    return PLAYBOOK.replace("{roles}", json.dumps(roles)).replace("{role_list}", role_list)


def run_roles(emulator: KubeEmulator, roles: list[str], extra_vars: dict[str, Any], verbosity: str = "") -> PlaybookRun:
    """The roles with the local inventory, through the one playbook runner (extra vars in a file, never argv)."""
    return run_playbook(
        playbook_text(roles),
        {"gpuops_models": MODELS, "gpuops_scale_from_zero": False, **extra_vars},
        emulator=emulator,
        inventory=INVENTORY,
        args=[verbosity] if verbosity else [],
        timeout=PLAYBOOK_TIMEOUT * 2,
    )


def get(emulator: KubeEmulator, path: str) -> dict[str, Any]:
    status, body = emulator.request("GET", path)
    assert status == 200, (path, body)
    return body
