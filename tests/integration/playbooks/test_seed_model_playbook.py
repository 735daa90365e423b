"""playbooks/seed_model.yml seeds a model revision into the cache PVC the vllm role mounts (emulator + fake Hub)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, PlaybookRun, run_playbook, seeds_through_jobs
from tests.harness.hf_fake import HubServer
from tests.harness.hf_fake.samples import REPO, model_files, tiny_model

NAMESPACE = "models"
MODEL = "tiny"
pytestmark = seeds_through_jobs()


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer() as server:
        server.add_repo(REPO, model_files(weights_floats=50_000))
        yield server


@pytest.fixture
def inventory(tmp_path: Path, kube_emulator, hub) -> Path:
    """An inventory like staging's: vllm_models names the model, nothing names its PVC."""
    kube_emulator.create_namespace(NAMESPACE)
    group_vars = {
        "gpuops_kubeconfig": str(kube_emulator.kubeconfig),
        "vllm_namespace": NAMESPACE,
        "vllm_hf_endpoint": hub.url,
        "vllm_cache_storage_class": "",
        "vllm_seed_wait_timeout": 120,
        "vllm_models": [tiny_model(MODEL)],
    }
    host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"gpuops": {"hosts": {"localhost": host}, "vars": group_vars}}))
    return path


def run(playbook: str, inventory: Path, kube_emulator, *extra: str) -> PlaybookRun:
    return run_playbook(
        REPO_ROOT / "playbooks" / playbook, emulator=kube_emulator, inventory=inventory, args=extra, timeout=600
    )


def seeded_pvcs(kube_emulator) -> dict[str, str]:
    """PVC name -> the model recorded in it by a completed seeding."""
    status, body = kube_emulator.request("GET", f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims")
    assert status == 200, body
    return {
        pvc["metadata"]["name"]: pvc["metadata"].get("annotations", {}).get("llm-inference.gpuops.io/model", "")
        for pvc in body["items"]
    }


def test_the_vllm_deployment_mounts_the_claim_the_seed_playbook_seeded(inventory, kube_emulator, tmp_path):
    seeded = run("seed_model.yml", inventory, kube_emulator, "-e", f"seed_model_name={MODEL}")
    assert seeded.rc == 0, seeded.stdout + seeded.stderr
    [(claim, model)] = seeded_pvcs(kube_emulator).items()
    assert model == REPO

    role_play = tmp_path / "vllm.yml"
    role_play.write_text(
        "- name: Serve the models\n  hosts: gpuops\n  gather_facts: false\n"
        "  roles:\n    - role: gpuops.llm_inference.vllm\n"
    )
    kube_emulator.clear_requests()
    served = run(str(role_play), inventory, kube_emulator)
    assert served.rc == 0, served.stdout + served.stderr

    status, deployment = kube_emulator.request("GET", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/vllm-{MODEL}")
    assert status == 200, deployment
    claims = [
        v["persistentVolumeClaim"]["claimName"]
        for v in deployment["spec"]["template"]["spec"]["volumes"]
        if "persistentVolumeClaim" in v
    ]
    assert claims == [claim]
    # The role found the weights already there: it seeded nothing again.
    assert not [r for r in kube_emulator.requests() if r["method"] == "POST" and r["path"].endswith("/jobs")]
    assert list(seeded_pvcs(kube_emulator)) == [claim]


def test_seeds_once_then_changes_nothing(inventory, kube_emulator):
    first = run("seed_model.yml", inventory, kube_emulator, "-e", f"seed_model_name={MODEL}")
    assert first.rc == 0, first.stdout + first.stderr
    second = run("seed_model.yml", inventory, kube_emulator, "-e", f"seed_model_name={MODEL}")
    assert second.rc == 0, second.stdout
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=0", second.stdout), second.stdout


def test_bad_inputs_fail_one_line_each_before_touching_the_cluster(inventory, kube_emulator):
    kube_emulator.clear_requests()
    result = run(
        "seed_model.yml",
        inventory,
        kube_emulator,
        "-e",
        '{"seed_model_name": "Tiny!", "seed_model_repo_id": "not a repo"}',
    )
    output = " ".join((result.stdout + result.stderr).split())
    assert result.rc != 0
    assert (
        'seed_model_name must be the name of a vllm_models entry, a DNS label of at most 52 characters (got "Tiny!")'
        in output
    )
    assert 'seed_model_repo_id must be a Hugging Face repository id such as org/model (got "not a repo")' in output
    assert "seed_model_size must" not in output
    assert kube_emulator.requests() == []
