"""The shared molecule steps that carry the no-op rerun and check-mode promises fail when those are broken.

molecule/_shared/idempotence_writes.yml (run before and after every scenario's idempotence step) must fail when
the rerun sent a write; molecule/_shared/check_mode_converged.yml (run after the site scenario's idempotence step)
must fail when `--check --diff` of the scenario's converge playbook reports a change, fails or sends a write. Each
case runs the step as molecule would (its environment variables, an inventory in the ephemeral directory) against
a fresh test cluster, with a converge playbook written to show one fault, and reads the exit code and output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, KubeEmulator, PlaybookRun, run_playbook

pytestmark = pytest.mark.slow

SHARED = REPO_ROOT / "molecule" / "_shared"
PLAY_HEAD = "- name: Converge\n  hosts: gpuops\n  gather_facts: false\n  tasks:\n"
READ = (
    "    - name: Read the default namespace\n"
    "      kubernetes.core.k8s_info:\n        api_version: v1\n        kind: Namespace\n        name: default\n"
)
# A converge playbook with one fault each, on top of a read that changes nothing.
CONVERGE = {
    "clean": PLAY_HEAD + READ,
    "changes": PLAY_HEAD
    + READ
    + "    - name: Report a change even in check mode\n"
    + "      ansible.builtin.debug:\n        msg: changed\n      changed_when: true\n",
    "writes": PLAY_HEAD
    + READ
    + "    - name: Write a ConfigMap even in check mode, reporting no change\n"
    + "      kubernetes.core.k8s:\n"
    + "        definition: {apiVersion: v1, kind: ConfigMap, metadata: {name: stray, namespace: default}}\n"
    + "      check_mode: false\n      changed_when: false\n",
    "fails": PLAY_HEAD + READ + "    - name: Fail in check mode\n      ansible.builtin.fail:\n        msg: broken\n",
}


def _scenario(emulator: KubeEmulator, tmp_path: Path, converge: str) -> dict[str, str]:
    """A scenario directory holding `converge`, the inventory molecule would write, and molecule's variables."""
    scenario = tmp_path / "scenario"
    scenario.mkdir(parents=True)
    (scenario / "converge.yml").write_text(converge)
    inventory = emulator.state_dir / "inventory"
    inventory.mkdir(exist_ok=True)
    (inventory / "hosts.yml").write_text(
        f"gpuops:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        f"      ansible_python_interpreter: {sys.executable}\n"
    )
    return {
        "MOLECULE_EPHEMERAL_DIRECTORY": str(emulator.state_dir),
        "MOLECULE_PROJECT_DIRECTORY": str(REPO_ROOT),
        "MOLECULE_SCENARIO_DIRECTORY": str(scenario),
        # The bundled emulator, as molecule/_shared/create.yml starts it: no KUBECONFIG from the caller.
        "KUBECONFIG": "",
        "PATH": f"{Path(sys.executable).parent}:{emulator.env()['PATH']}",
    }


def _step(emulator: KubeEmulator, env: dict[str, str], playbook: str) -> PlaybookRun:
    return run_playbook(SHARED / playbook, emulator=emulator, extra_env=env)


def test_check_mode_on_a_converged_cluster_passes_only_without_change_failure_or_write(
    kube_emulator: KubeEmulator, tmp_path: Path
) -> None:
    outcomes = {}
    for fault, converge in CONVERGE.items():
        env = _scenario(kube_emulator, tmp_path / fault, converge)
        outcomes[fault] = _step(kube_emulator, env, "check_mode_converged.yml")

    assert outcomes["clean"].rc == 0, outcomes["clean"].tail()
    assert "changed=0 over 1 tasks" in outcomes["clean"].output  # the read ran, in check mode
    assert outcomes["changes"].rc != 0
    assert "changed tasks ['Report a change even in check mode']" in outcomes["changes"].output
    assert outcomes["fails"].rc != 0
    assert "failed tasks ['Fail in check mode']" in outcomes["fails"].output
    assert outcomes["writes"].rc != 0
    assert "POST /api/v1/namespaces/default/configmaps" in outcomes["writes"].output


def test_on_a_real_cluster_check_mode_still_fails_on_a_change_and_says_writes_are_not_counted(
    kube_emulator: KubeEmulator, tmp_path: Path
) -> None:
    real = {"KUBECONFIG": str(kube_emulator.kubeconfig)}
    changes = _step(
        kube_emulator,
        {**_scenario(kube_emulator, tmp_path / "c", CONVERGE["changes"]), **real},
        "check_mode_converged.yml",
    )
    writes = _step(
        kube_emulator,
        {**_scenario(kube_emulator, tmp_path / "w", CONVERGE["writes"]), **real},
        "check_mode_converged.yml",
    )

    assert changes.rc != 0
    assert "changed tasks ['Report a change even in check mode']" in changes.output
    assert writes.rc == 0, writes.tail()
    assert "zero writes in check mode is checked on the bundled emulator only" in writes.output


def test_the_idempotence_step_fails_when_the_rerun_writes(kube_emulator: KubeEmulator, tmp_path: Path) -> None:
    env = _scenario(kube_emulator, tmp_path, CONVERGE["clean"])
    quiet = [_step(kube_emulator, env, "idempotence_writes.yml") for _before_and_after in range(2)]
    assert [run.rc for run in quiet] == [0, 0], quiet[-1].tail()

    assert _step(kube_emulator, env, "idempotence_writes.yml").rc == 0  # before the rerun: clears the log
    kube_emulator.create_namespace("written-by-the-rerun")
    after = _step(kube_emulator, env, "idempotence_writes.yml")
    assert after.rc != 0
    assert "POST /api/v1/namespaces" in after.output
