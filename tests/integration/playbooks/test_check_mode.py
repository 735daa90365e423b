"""`--check --diff` on a fresh cluster finishes, shows a diff for every change it reports, and writes nothing.

Each case starts a fresh emulator, runs site.yml (or one role alone) with the local inventory in check and diff
mode with the JSON callback, and reads the emulator's request log. Dry runs (`dryRun=All`) are the only writes
allowed. A change without a diff is allowed only where no_log hides the whole result (Secrets).

On a converged cluster, the molecule scenario `site` states the rest once it has converged site.yml: its
idempotence rerun reports changed=0 and sends no write (molecule/_shared/idempotence_writes.yml), then
`--check --diff` reports no change and sends no write (molecule/_shared/check_mode_converged.yml).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PLAYBOOK_TIMEOUT, REPO_ROOT, KubeEmulator, run_playbook

# The roles install their charts from the test cluster's loopback chart repository.
pytestmark = pytest.mark.needs_charts

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ["istio", "cert_manager", "gpu_operator", "prometheus", "vllm", "keda", "routes"]


def run_check(emulator: KubeEmulator, playbook: Path) -> tuple[int, dict[str, Any], str]:
    """The playbook with the local inventory in `--check --diff` mode, reported by the json callback."""
    run = run_playbook(
        playbook,
        emulator=emulator,
        inventory="inventories/local",
        args=["--check", "--diff"],
        extra_env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json"},
        timeout=PLAYBOOK_TIMEOUT * 2,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        report = {}
    return run.rc, report, run.tail()


def changes(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(task name, result) for every changed result, loop items one by one."""
    found = []
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for result in task.get("hosts", {}).values():
                items = result.get("results") if isinstance(result.get("results"), list) else [result]
                found += [(task["task"]["name"], item) for item in items if item.get("changed")]
    return found


def undiffed(report: dict[str, Any]) -> list[str]:
    """Changes reported without a diff, except results hidden whole by no_log."""
    return [name for name, result in changes(report) if not result.get("diff") and "censored" not in result]


def unplanned_writes(emulator: KubeEmulator) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in emulator.requests()
        if r["method"] in WRITES and r["query"].get("dryRun") != "All"
    ]


def dry_runs(requests: list[dict[str, Any]]) -> int:
    return sum(1 for r in requests if r["method"] in WRITES and r["query"].get("dryRun") == "All")


def role_playbook(tmp_path: Path, role: str) -> Path:
    path = tmp_path / f"{role}.yml"
    path.write_text(
        f"- name: Run {role} alone\n  hosts: gpuops\n  gather_facts: false\n"
        f"  roles:\n    - role: gpuops.llm_inference.{role}\n"
    )
    return path


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_one_role_alone_in_check_mode_on_a_fresh_cluster_diffs_every_change_and_writes_nothing(
    kube_emulator: KubeEmulator, tmp_path: Path, role: str
) -> None:
    rc, report, tail = run_check(kube_emulator, role_playbook(tmp_path, role))

    assert rc == 0, tail
    assert changes(report), f"{role}: check mode on a fresh cluster reported nothing to create"
    assert undiffed(report) == [], tail
    assert unplanned_writes(kube_emulator) == []


@pytest.mark.slow
def test_site_in_check_mode_diffs_every_change_on_a_fresh_cluster(kube_emulator: KubeEmulator) -> None:
    started = time.monotonic()
    rc, report, tail = run_check(kube_emulator, REPO_ROOT / "site.yml")
    fresh_seconds = time.monotonic() - started

    assert rc == 0, tail
    fresh_changes = changes(report)
    assert len(fresh_changes) > 30, tail  # every namespace, release and object of the stack
    assert undiffed(report) == [], tail
    assert unplanned_writes(kube_emulator) == []
    fresh_requests = kube_emulator.requests()
    if os.environ.get("GPUOPS_PRINT_FIGURES"):
        print(
            f"\ncheck mode, fresh cluster: {len(fresh_changes)} changed, 0 writes "
            f"({dry_runs(fresh_requests)} dry runs, {len(fresh_requests)} requests), {fresh_seconds:.0f} s"
        )
