"""playbooks/seed_model.yml seeds a model revision into its cache PVC (emulator + fake Hub), once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.harness.hf_fake import HubServer
from tests.harness.hf_fake.job_runner import EMULATOR_ARGS
from tests.harness.hf_fake.samples import REPO, model_files
from tests.harness.terraform_fixture import REPO_ROOT, run_playbook

NAMESPACE = "models"
pytestmark = [pytest.mark.emulator_args(EMULATOR_ARGS), pytest.mark.usefixtures("pvc_root"), pytest.mark.slow]


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer() as server:
        server.add_repo(REPO, model_files(weights_floats=50_000))
        yield server


@pytest.fixture
def inventory(tmp_path: Path, kube_emulator, hub) -> Path:
    status, body = kube_emulator.request(
        "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    )
    assert status == 201, body
    group_vars = {
        "gpuops_kubeconfig": str(kube_emulator.kubeconfig),
        "vllm_namespace": NAMESPACE,
        "seed_model_hf_endpoint": hub.url,
        "seed_model_size": "1Gi",
    }
    host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"gpuops": {"hosts": {"localhost": host}, "vars": group_vars}}))
    return path


def seed(inventory: Path, kube_emulator, *extra: str):
    env = dict(kube_emulator.env(), ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return run_playbook("seed_model.yml", ["-i", str(inventory), *extra], env)


def test_seeds_once_then_changes_nothing(inventory, kube_emulator):
    first = seed(inventory, kube_emulator, "-e", f"seed_model_repo_id={REPO}")
    assert first.returncode == 0, first.stdout + first.stderr
    status, pvc = kube_emulator.request("GET", f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims/model-cache")
    assert status == 200, pvc
    assert pvc["metadata"]["annotations"]["llm-inference.gpuops.io/model"] == REPO
    second = seed(inventory, kube_emulator, "-e", f"seed_model_repo_id={REPO}")
    assert second.returncode == 0, second.stdout
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=0", second.stdout), second.stdout


def test_a_bad_repository_id_fails_before_touching_the_cluster(inventory, kube_emulator):
    kube_emulator.clear_requests()
    result = seed(inventory, kube_emulator, "-e", '{"seed_model_repo_id": "not a repo"}')
    assert result.returncode != 0
    assert 'seed_model_repo_id must be a Hugging Face repository id such as org/model (got "not a repo")' in (
        " ".join((result.stdout + result.stderr).split())
    )
    assert kube_emulator.requests() == []
