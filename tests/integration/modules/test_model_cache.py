"""model_cache against the test cluster: the seeding Job runs the real downloader against the fake Hub.

The first seeding, its no-op rerun and a new commit on main share one cluster seeded once (`seeded_once`), in file
order on one worker (`--dist loadfile`; `xdist_group` for `loadgroup`); the other tests start from a fresh cluster.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator, _start, seeds_through_jobs
from tests.harness.hf_fake import HubServer
from tests.harness.hf_fake.job_runner import EMULATOR_ARGS, PVC_ROOT_ENV
from tests.harness.hf_fake.samples import GATED, REPO, fake_safetensors, model_files

NAMESPACE = "vllm"
PREFIX = "llm-inference.gpuops.io/"

pytestmark = seeds_through_jobs()
# The tests that read (or, last, change) the cluster seeded once.
ON_SEEDED = pytest.mark.xdist_group("model_cache_seeded")


def _hub_repos(server: HubServer) -> None:
    server.add_repo(REPO, model_files(weights_floats=200_000))
    server.add_repo(GATED, {"config.json": b"{}", "model.safetensors": fake_safetensors(100)}, gated=True)


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer() as server:
        _hub_repos(server)
        yield server


@pytest.fixture
def cluster(kube_emulator):
    kube_emulator.create_namespace(NAMESPACE)
    kube_emulator.clear_requests()
    return kube_emulator


def seed(run_playbook, cluster, hub, check: bool = False, **overrides) -> dict:
    args = {
        "namespace": NAMESPACE,
        "model": REPO,
        "hf_endpoint": hub.url,
        "size": "1Gi",
        "wait_sleep": 1,
        "wait_timeout": 120,
        **overrides,
    }
    playbook = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Seed the model cache
      gpuops.llm_inference.model_cache: {json.dumps(args)}
      check_mode: {str(check).lower()}
      register: seeded
      ignore_errors: true
    - name: Print the result
      ansible.builtin.copy:
        content: "{{{{ seeded | to_json }}}}"
        dest: "{{{{ result_file }}}}"
        mode: "0600"
"""
    result_file = cluster.state_dir / "result.json"
    rc, out, err = run_playbook(playbook, {"result_file": str(result_file)}, emulator=cluster)
    assert rc == 0, out + err
    return json.loads(result_file.read_text())


def writes(cluster, kind: str) -> list[dict]:
    return [
        r
        for r in cluster.requests()
        if r.get("method") in ("POST", "PUT", "PATCH", "DELETE") and kind in r.get("path", "")
    ]


def get_pvc(cluster) -> dict:
    status, body = cluster.request("GET", f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims/model-cache")
    assert status == 200, body
    return body


class Seeded:
    """The cluster seeded once, the Hub it seeded from, where the PVCs' contents land, and the first result."""

    def __init__(self, cluster: KubeEmulator, hub: HubServer, pvc_root: Path, first: dict[str, Any]) -> None:
        self.cluster, self.hub, self.pvc_root, self.first = cluster, hub, pvc_root, first


@pytest.fixture(scope="module")
def seeded_once(tmp_path_factory: pytest.TempPathFactory, run_playbook) -> Iterator[Seeded]:
    """A fresh cluster whose Jobs really run (as `seeds_through_jobs` sets up per test), seeded once from the Hub."""
    root = tmp_path_factory.mktemp("model-cache")
    with pytest.MonkeyPatch.context() as env, HubServer() as server:
        env.setenv(PVC_ROOT_ENV, str(root / "pvcs"))
        env.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        env.delenv("HF_TOKEN", raising=False)
        _hub_repos(server)
        for emulator in _start(root / "emulator", EMULATOR_ARGS):
            emulator.create_namespace(NAMESPACE)
            emulator.clear_requests()
            yield Seeded(emulator, server, root / "pvcs", seed(run_playbook, emulator, server))


@ON_SEEDED
def test_first_run_creates_the_pvc_runs_the_job_and_records_the_commit(seeded_once: Seeded) -> None:
    cluster, hub, pvc_root, result = seeded_once.cluster, seeded_once.hub, seeded_once.pvc_root, seeded_once.first
    commit = hub.state.repos[REPO].refs["main"]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert result["commit"] == commit
    annotations = get_pvc(cluster)["metadata"]["annotations"]
    assert annotations[PREFIX + "commit"] == commit
    assert annotations[PREFIX + "model"] == REPO
    assert int(annotations[PREFIX + "files"]) == 5
    snapshot = pvc_root / NAMESPACE / "model-cache" / "hub" / "models--gpuops-test--tiny-llama" / "snapshots" / commit
    assert (snapshot / "model.safetensors").stat().st_size == result["record"]["bytes"] - sum(
        (snapshot / name).stat().st_size
        for name in ("config.json", "generation_config.json", "tokenizer.json", "original/params.json")
    )
    status, job = cluster.request("GET", f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs/{result['job']}")
    assert status == 200 and job["spec"]["template"]["spec"]["containers"][0]["image"].startswith("docker.io/vllm/")


@ON_SEEDED
def test_rerun_for_the_same_commit_is_a_no_op_without_a_job(run_playbook, seeded_once: Seeded) -> None:
    cluster, hub = seeded_once.cluster, seeded_once.hub
    cluster.clear_requests()
    hub.reset_log()
    result = seed(run_playbook, cluster, hub)
    assert result["changed"] is False
    assert writes(cluster, "/") == []
    assert hub.body_bytes() == 0


# Last of the tests on the cluster seeded once: it puts a new commit on main.
@ON_SEEDED
def test_a_new_commit_on_main_is_seeded_again(run_playbook, seeded_once: Seeded) -> None:
    cluster, hub, first = seeded_once.cluster, seeded_once.hub, seeded_once.first
    repo = hub.state.repos[REPO]
    files = {path: item.data for path, item in repo.commits[first["commit"]].items()}
    new = repo.commit(dict(files, **{"config.json": b'{"updated": true}'}))
    hub.reset_log()
    second = seed(run_playbook, cluster, hub)
    assert second["changed"] is True and second["commit"] == new != first["commit"]
    assert get_pvc(cluster)["metadata"]["annotations"][PREFIX + "commit"] == new
    assert hub.body_bytes() == len(b'{"updated": true}')  # unchanged blobs are reused


def test_check_mode_reports_the_plan_and_writes_nothing(run_playbook, cluster, hub):
    result = seed(run_playbook, cluster, hub, check=True)
    assert result["changed"] is True
    assert result["msg"].startswith("would seed")
    assert result["plan"]["files"] == 5
    assert writes(cluster, "/") == []
    status, _body = cluster.request("GET", f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims/model-cache")
    assert status == 404


def test_a_failed_job_fails_with_its_reason_and_log_tail(run_playbook, cluster, hub):
    result = seed(run_playbook, cluster, hub, revision="main", allow_patterns=["*.nothing"])
    assert result["failed"] is True
    assert "no file of" in result["msg"]
    assert "ERROR: no file of" in result["log_tail"]
    assert result["job"].startswith("model-cache-seed-")


def test_a_gated_model_without_token_secret_is_refused_before_any_job(run_playbook, cluster, hub):
    result = seed(run_playbook, cluster, hub, model=GATED)
    assert result["failed"] is True
    assert "gated" in result["msg"] and "token_secret" in result["msg"]
    assert writes(cluster, "/jobs") == []


def test_an_unknown_revision_fails_clearly(run_playbook, cluster, hub):
    result = seed(run_playbook, cluster, hub, revision="no-such-branch")
    assert result["failed"] is True
    assert "unknown revision" in result["msg"]
