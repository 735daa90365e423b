"""The vllm role seeds the weights for real, then runs vLLM offline from the pinned snapshot.

The emulator runs the seeding Job with the collection's downloader against the Hugging Face Hub fake
(tests/harness/hf_fake), so the PVC's contents land in a local directory this test can read. The role seeds once,
on one cluster (`seeded`); the tests share it and run in file order on one worker (`--dist loadfile`; `xdist_group`
for `loadgroup`): the first reads what the seeding left, the second reruns for the same commit, the last puts a
new commit on the Hub.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator, _start, role_play, run_playbook
from tests.harness.hf_fake import HubServer
from tests.harness.hf_fake.job_runner import EMULATOR_ARGS, PVC_ROOT_ENV
from tests.harness.hf_fake.samples import REPO, model_files, tiny_model

NAMESPACE = "vllm"
ROLE_PLAY = role_play("vllm")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("vllm_role_seeding")]


def _apply(emulator: KubeEmulator, hub: HubServer) -> tuple[int, str]:
    extra_vars: dict[str, Any] = {
        "vllm_seed_cache": True,
        "vllm_hf_endpoint": hub.url,
        "vllm_seed_wait_timeout": 120,
        "vllm_models": [tiny_model()],
    }
    rc, out, err = run_playbook(ROLE_PLAY, extra_vars, emulator=emulator)
    return rc, out + err


class Seeded:
    """The cluster the role seeded on, the Hub it seeded from, where the PVCs' contents land, and that run's output."""

    def __init__(self, emulator: KubeEmulator, hub: HubServer, pvc_root: Path, output: str) -> None:
        self.emulator, self.hub, self.pvc_root, self.output = emulator, hub, pvc_root, output


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The role applied once with seeding on a fresh cluster whose Jobs really run (tests.conftest.seeds_through_jobs:
    the emulator runs each Job with the collection's downloader and inherits where the PVCs' contents land)."""
    root = tmp_path_factory.mktemp("vllm-seeding")
    with pytest.MonkeyPatch.context() as env, HubServer() as hub:
        env.setenv(PVC_ROOT_ENV, str(root / "pvcs"))
        env.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        env.delenv("HF_TOKEN", raising=False)
        hub.add_repo(REPO, model_files(weights_floats=200_000))
        for emulator in _start(root / "emulator", EMULATOR_ARGS):
            rc, output = _apply(emulator, hub)
            assert rc == 0, output
            yield Seeded(emulator, hub, root / "pvcs", output)


def _container(emulator: KubeEmulator) -> dict[str, Any]:
    status, body = emulator.request("GET", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/vllm-tiny")
    assert status == 200, body
    return body["spec"]["template"]["spec"]["containers"][0]


def test_a_seeded_model_runs_offline_from_its_pinned_snapshot(seeded: Seeded) -> None:
    commit = seeded.hub.state.repos[REPO].refs["main"]
    container = _container(seeded.emulator)
    snapshot = f"/models/hub/models--gpuops-test--tiny-llama/snapshots/{commit}"
    assert container["args"][0] == snapshot
    assert "--revision" not in container["args"]
    env = {e["name"]: e for e in container["env"]}
    assert env["HF_HUB_OFFLINE"]["value"] == "1"
    assert env["HF_HOME"]["value"] == "/models"
    assert next(m for m in container["volumeMounts"] if m["mountPath"] == "/models")["readOnly"] is True
    # The snapshot vLLM will open is on the PVC, without Meta's duplicate original/ checkpoint.
    local = seeded.pvc_root / NAMESPACE / "vllm-cache-tiny" / snapshot.removeprefix("/models/")
    assert (local / "config.json").is_file() and (local / "model.safetensors").is_file()
    assert not (local / "original").exists()
    # Seeded: base 120 s + compile 180 s + ceil(0.09 GiB of 16-bit weights x 10 s/GiB) = 301 s, and no download
    # allowance; rounded up to whole 10 s periods.
    probe = container["startupProbe"]
    assert (probe["periodSeconds"], probe["failureThreshold"]) == (10, 31)


def test_a_rerun_for_the_same_commit_starts_no_job_and_changes_nothing(seeded: Seeded) -> None:
    seeded.emulator.clear_requests()
    rc, output = _apply(seeded.emulator, seeded.hub)
    assert rc == 0, output
    assert "changed=0" in output
    # kubernetes.core sends no-op PATCHes to compare; what matters is that nothing is created or deleted.
    requests = seeded.emulator.requests()
    created = [f"{r['method']} {r['path']}" for r in requests if r["method"] in {"POST", "DELETE"}]
    assert created == []


# Last: it changes what the Hub serves.
def test_a_new_commit_on_the_hub_rolls_the_deployment_to_the_new_snapshot(seeded: Seeded) -> None:
    first = _container(seeded.emulator)["args"][0]
    seeded.hub.add_repo(REPO, {**model_files(weights_floats=200_000), "README.md": b"new revision\n"})
    rc, output = _apply(seeded.emulator, seeded.hub)
    assert rc == 0, output
    second = _container(seeded.emulator)["args"][0]
    assert second != first
    assert second.endswith(seeded.hub.state.repos[REPO].refs["main"])
