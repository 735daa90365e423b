"""The vllm role seeds the weights for real, then runs vLLM offline from the pinned snapshot.

The emulator runs the seeding Job with the collection's downloader against the Hugging Face Hub fake
(tests/harness/hf_fake), so the PVC's contents land in a local directory this test can read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator, role_play, run_playbook, seeds_through_jobs
from tests.harness.hf_fake import HubServer
from tests.harness.hf_fake.samples import REPO, model_files, tiny_model

NAMESPACE = "vllm"
ROLE_PLAY = role_play("vllm")

pytestmark = seeds_through_jobs()


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer() as server:
        server.add_repo(REPO, model_files(weights_floats=200_000))
        yield server


def _apply(emulator: KubeEmulator, hub: HubServer) -> tuple[int, str]:
    extra_vars: dict[str, Any] = {
        "vllm_seed_cache": True,
        "vllm_hf_endpoint": hub.url,
        "vllm_seed_wait_timeout": 120,
        "vllm_models": [tiny_model()],
    }
    rc, out, err = run_playbook(ROLE_PLAY, extra_vars, emulator=emulator)
    return rc, out + err


def _container(emulator: KubeEmulator) -> dict[str, Any]:
    status, body = emulator.request("GET", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/vllm-tiny")
    assert status == 200, body
    return body["spec"]["template"]["spec"]["containers"][0]


def test_a_seeded_model_runs_offline_from_its_pinned_snapshot(
    kube_emulator: KubeEmulator, hub: HubServer, pvc_root: Path
) -> None:
    rc, output = _apply(kube_emulator, hub)
    assert rc == 0, output
    commit = hub.state.repos[REPO].refs["main"]
    container = _container(kube_emulator)
    snapshot = f"/models/hub/models--gpuops-test--tiny-llama/snapshots/{commit}"
    assert container["args"][0] == snapshot
    assert "--revision" not in container["args"]
    env = {e["name"]: e for e in container["env"]}
    assert env["HF_HUB_OFFLINE"]["value"] == "1"
    assert env["HF_HOME"]["value"] == "/models"
    assert next(m for m in container["volumeMounts"] if m["mountPath"] == "/models")["readOnly"] is True
    # The snapshot vLLM will open is on the PVC, without Meta's duplicate original/ checkpoint.
    local = pvc_root / NAMESPACE / "vllm-cache-tiny" / snapshot.removeprefix("/models/")
    assert (local / "config.json").is_file() and (local / "model.safetensors").is_file()
    assert not (local / "original").exists()
    # Seeded: base 120 s + compile 180 s + ceil(0.09 GiB of 16-bit weights x 10 s/GiB) = 301 s, and no download
    # allowance; rounded up to whole 10 s periods.
    probe = container["startupProbe"]
    assert (probe["periodSeconds"], probe["failureThreshold"]) == (10, 31)


def test_a_rerun_for_the_same_commit_starts_no_job_and_changes_nothing(
    kube_emulator: KubeEmulator, hub: HubServer
) -> None:
    assert _apply(kube_emulator, hub)[0] == 0
    kube_emulator.clear_requests()
    rc, output = _apply(kube_emulator, hub)
    assert rc == 0, output
    assert "changed=0" in output
    # kubernetes.core sends no-op PATCHes to compare; what matters is that nothing is created or deleted.
    created = [f"{r['method']} {r['path']}" for r in kube_emulator.requests() if r["method"] in {"POST", "DELETE"}]
    assert created == []


def test_a_new_commit_on_the_hub_rolls_the_deployment_to_the_new_snapshot(
    kube_emulator: KubeEmulator, hub: HubServer
) -> None:
    assert _apply(kube_emulator, hub)[0] == 0
    first = _container(kube_emulator)["args"][0]
    hub.add_repo(REPO, {**model_files(weights_floats=200_000), "README.md": b"new revision\n"})
    rc, output = _apply(kube_emulator, hub)
    assert rc == 0, output
    second = _container(kube_emulator)["args"][0]
    assert second != first
    assert second.endswith(hub.state.repos[REPO].refs["main"])
