"""The OVH Terraform configuration is formatted, its tfvars satisfy its variables, and the offline
fixture mirrors it. `terraform validate` needs the ovh provider, which cannot be downloaded here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.terraform_fixture import FIXTURE_DIR, REPO_ROOT, copy_fixture

TERRAFORM_DIR = REPO_ROOT / "terraform"
ENVIRONMENTS = ("staging", "production")


def terraform(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.devnull, TF_IN_AUTOMATION="1", PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "tests.harness.terraform_standin", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def names(kind: str, directory: Path) -> set[str]:
    text = "\n".join(p.read_text() for p in directory.glob("*.tf"))
    return set(re.findall(rf'^{kind} "([^"]+)"', text, flags=re.MULTILINE))


@pytest.mark.parametrize("directory", [TERRAFORM_DIR, FIXTURE_DIR], ids=["ovh", "fixture"])
def test_configuration_passes_terraform_fmt_check(directory):
    result = terraform("fmt", "-check", "-recursive", "-diff", "-no-color", cwd=directory)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fmt_check_does_catch_bad_formatting(tmp_path):
    (tmp_path / "bad.tf").write_text('variable "x" {\ntype=string\n}\n')
    assert terraform("fmt", "-check", cwd=tmp_path).returncode == 3


def test_the_fixture_declares_the_same_outputs_and_variables():
    assert names("output", FIXTURE_DIR) == names("output", TERRAFORM_DIR)
    assert (FIXTURE_DIR / "variables.tf").resolve() == (TERRAFORM_DIR / "variables.tf").resolve()


def test_the_kubeconfig_output_is_sensitive():
    outputs = (TERRAFORM_DIR / "outputs.tf").read_text()
    block = outputs[outputs.index('output "kubeconfig"') :]
    assert "sensitive   = true" in block.split("}", 1)[0]


def test_gpu_pool_keeps_the_taint_and_leaves_node_counts_to_scale_yml():
    main = (TERRAFORM_DIR / "main.tf").read_text()
    gpu = main[main.index('resource "ovh_cloud_project_kube_nodepool" "gpu"') :]
    assert "taints        = [var.gpu_taint]" in gpu
    assert "ignore_changes = [desired_nodes, min_nodes]" in gpu
    variables = (TERRAFORM_DIR / "variables.tf").read_text()
    assert 'key    = "nvidia.com/gpu"' in variables
    assert 'effect = "NoSchedule"' in variables


@pytest.fixture(scope="module")
def initialised_fixture(tmp_path_factory) -> Path:
    work = copy_fixture(tmp_path_factory.mktemp("tf"))
    result = terraform("init", "-input=false", "-no-color", cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    return work


@pytest.mark.slow
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_environment_tfvars_plans_with_the_ovh_variables(initialised_fixture, environment):
    tfvars = TERRAFORM_DIR / "envs" / f"{environment}.tfvars"
    result = terraform("plan", "-input=false", "-no-color", f"-var-file={tfvars}", cwd=initialised_fixture)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning: Value for undeclared variable" not in result.stdout + result.stderr
    assert "5 to add" in result.stdout
    pools = {"staging": (0, 2), "production": (0, 2)}[environment]
    assert f"min_nodes     = {pools[0]}" in result.stdout
    assert f"max_nodes     = {pools[1]}" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("override", "message"),
    [
        ('gpu_pool={name="gpu",flavor="l4-90",min_nodes=3,max_nodes=2,desired_nodes=2,labels={}}', "min_nodes <="),
        ('gpu_pool={name="gpu_pool",flavor="l4-90",min_nodes=0,max_nodes=2,desired_nodes=0,labels={}}', "refuses '_'"),
        ("update_policy=SOMETIMES", "update_policy must be"),
        ("service_name=my-project", "32 hexadecimal"),
    ],
)
def test_bad_values_are_refused_by_the_variable_validations(initialised_fixture, override, message):
    tfvars = TERRAFORM_DIR / "envs" / "staging.tfvars"
    result = terraform(
        "plan", "-input=false", "-no-color", f"-var-file={tfvars}", "-var", override, cwd=initialised_fixture
    )
    assert result.returncode == 1
    assert message in re.sub(r"\s+", " ", result.stdout + result.stderr)


def test_validate_needs_the_ovh_provider():
    if not os.environ.get("GPUOPS_TERRAFORM_VALIDATE"):
        pytest.skip(
            "terraform validate of terraform/ needs the ovh/ovh provider from the registry (no network here); "
            "set GPUOPS_TERRAFORM_VALIDATE=1 on a machine with registry access"
        )
    assert terraform("init", "-backend=false", "-input=false", cwd=TERRAFORM_DIR).returncode == 0
    result = terraform("validate", "-no-color", cwd=TERRAFORM_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
