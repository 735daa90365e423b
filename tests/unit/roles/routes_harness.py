"""Run the istio, cert_manager and routes roles with the local inventory against the bundled emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import PLAYBOOK_TIMEOUT, REPO_ROOT, KubeEmulator

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
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


def run_roles(
    emulator: KubeEmulator,
    tmp_path: Path,
    roles: list[str],
    extra_vars: dict[str, Any],
    verbosity: str = "",
) -> subprocess.CompletedProcess[str]:
    """ansible-playbook with the local inventory; extra vars go through a file so they never show in argv."""
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(playbook_text(roles))
    vars_file = tmp_path / "extra_vars.json"
    vars_file.write_text(json.dumps({"gpuops_models": MODELS, "gpuops_scale_from_zero": False, **extra_vars}))
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(INVENTORY), "-e", f"@{vars_file}"]
    if verbosity:
        argv.append(verbosity)
    argv.append(str(playbook))
    env = {**emulator.env(), "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    proc = subprocess.run(
        argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT * 2, check=False
    )
    vars_file.unlink()
    return proc


def writes(emulator: KubeEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests() if r["method"] in WRITES]


def get(emulator: KubeEmulator, path: str) -> dict[str, Any]:
    status, body = emulator.request("GET", path)
    assert status == 200, (path, body)
    return body
