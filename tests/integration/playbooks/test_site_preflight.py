"""site.yml checks every role's inputs before it writes anything to the cluster.

Each case runs the real site playbook with the local inventory against the bundled emulator, with one bad
input, and reads the emulator's request log: the run must fail in the pre-flight play, name the variable,
and not have sent a single write request.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT, KubeEmulator, run_playbook

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PREFLIGHT = "Check the inputs of every role before touching the cluster"


def run_site(emulator: KubeEmulator, inventory: Path, extra_vars: dict[str, Any]) -> tuple[int, str]:
    run = run_playbook(REPO_ROOT / "site.yml", extra_vars, emulator=emulator, inventory=inventory)
    return run.rc, run.output


def failed_in_preflight(output: str) -> bool:
    """The failure happened in the first play: the deploy play never started."""
    return PREFLIGHT in output and "PLAY [Deploy the LLM inference stack]" not in output


def writes(emulator: KubeEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests() if r["method"] in WRITES]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("keda_max_replicas", "many"),  # an int
        ("vllm_models", "llama"),  # a list of dicts
        ("prometheus_wait", {"nested": True}),  # a bool
    ],
)
def test_a_wrong_type_fails_before_any_write(kube_emulator: KubeEmulator, variable: str, value: Any) -> None:
    kube_emulator.clear_requests()
    rc, output = run_site(kube_emulator, REPO_ROOT / "inventories" / "local", {variable: value})
    assert rc != 0
    assert variable in output
    assert failed_in_preflight(output), output[-3000:]
    assert writes(kube_emulator) == []


@pytest.mark.slow
def test_a_missing_required_variable_fails_before_any_write(kube_emulator: KubeEmulator, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(REPO_ROOT / "inventories" / "local", inventory)
    contract_vars = inventory / "group_vars" / "all" / "main.yml"
    settings = yaml.safe_load(contract_vars.read_text())
    del settings["gpuops_hostname"]
    contract_vars.write_text(yaml.safe_dump(settings))
    kube_emulator.clear_requests()
    rc, output = run_site(kube_emulator, inventory, {})
    assert rc != 0
    assert "routes_hostname" in output
    assert failed_in_preflight(output), output[-3000:]
    assert writes(kube_emulator) == []
