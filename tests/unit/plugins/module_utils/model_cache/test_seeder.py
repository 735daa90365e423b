"""Seeding orchestration with a fake cluster and a fake Hub: what is created, waited for, recorded or refused."""

from __future__ import annotations

import copy
import json

import pytest
from ansible_collections.gpuops.llm_inference.plugins.action.model_cache import downloader_source
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache import spec
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.errors import ModelCacheError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.seeder import Seeder

from tests.conftest import REPO_ROOT

COMMIT = "a" * 40
MODEL = "org/model"


def merge(base: dict, patch: dict) -> dict:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


class FakeCluster:
    """Objects by (kind, name); a created Job finishes at once with `outcome` (succeeded, message, log)."""

    @staticmethod
    def default_outcome(job: dict) -> tuple[bool, str, str]:
        """Succeed with the default record."""
        return True, json.dumps(record()), "fetched model.safetensors\n"

    def __init__(self, outcome=...) -> None:
        self.objects: dict[tuple[str, str], dict] = {}
        self.calls: list[tuple[str, str, str]] = []
        self.logs: dict[str, str] = {}
        # `...` means "succeed with the default record"; None means "the Job never finishes".
        self.outcome = self.default_outcome if outcome is ... else outcome

    def get(self, kind, api_version, namespace, name):
        self.calls.append(("get", kind, name))
        return copy.deepcopy(self.objects.get((kind, name)))

    def create(self, kind, api_version, namespace, body):
        self.calls.append(("create", kind, body["metadata"]["name"]))
        obj = copy.deepcopy(body)
        self.objects[(kind, body["metadata"]["name"])] = obj
        if kind == "Job" and self.outcome is not None:
            self.finish(obj, *self.outcome(obj))
        return copy.deepcopy(obj)

    def finish(self, job, succeeded, message, log):
        job["status"] = {"conditions": [{"type": "Complete" if succeeded else "Failed", "status": "True"}]}
        pod = {
            "metadata": {
                "name": job["metadata"]["name"] + "-x",
                "labels": job["spec"]["template"]["metadata"]["labels"],
                "creationTimestamp": "2026-01-01T00:00:00Z",
            },
            "status": {"containerStatuses": [{"state": {"terminated": {"message": message}}}]},
        }
        self.objects[("Pod", pod["metadata"]["name"])] = pod
        self.logs[pod["metadata"]["name"]] = log

    def patch(self, kind, api_version, namespace, name, body):
        self.calls.append(("patch", kind, name))
        return copy.deepcopy(merge(self.objects[(kind, name)], body))

    def delete(self, kind, api_version, namespace, name):
        self.calls.append(("delete", kind, name))
        self.objects.pop((kind, name), None)

    def list(self, kind, api_version, namespace, label_selector):
        key, value = label_selector.split("=")
        return [
            copy.deepcopy(o)
            for (k, _n), o in self.objects.items()
            if k == kind and o["metadata"].get("labels", {}).get(key) == value
        ]

    def pod_log(self, namespace, name, tail_lines):
        return "\n".join(self.logs.get(name, "").splitlines()[-tail_lines:])

    def writes(self):
        return [c for c in self.calls if c[0] != "get"]


class FakeHub:
    def __init__(self, commit=COMMIT, gated=False) -> None:
        self.answer = {"commit": commit, "gated": gated, "files": 3, "bytes": 1234}
        self.calls = 0

    def resolve(self, model, revision, allow=None, ignore=None):
        self.calls += 1
        return dict(self.answer)


def record(**overrides) -> dict:
    return {
        "ok": True,
        "model": MODEL,
        "commit": COMMIT,
        "files": 3,
        "bytes": 1234,
        "downloaded_bytes": 1234,
        "seeded_at": "2026-01-01T00:00:00Z",
        **overrides,
    }


def params(**overrides) -> dict:
    return {
        "model": MODEL,
        "revision": "main",
        "namespace": "vllm",
        "pvc_name": "model-cache",
        "size": "20Gi",
        "storage_class": None,
        "access_mode": "ReadWriteOnce",
        "hf_home": "/models",
        "hf_endpoint": "https://hub.example",
        "token_secret": None,
        "image": "vllm/vllm-openai:v0.21.0",
        "wait": True,
        "wait_timeout": 30,
        "wait_sleep": 1,
        "log_lines": 5,
        **overrides,
    }


def run(cluster, hub=None, check_mode=False, script="print('downloader')", **overrides):
    ticks = iter(range(100000))
    seeder = Seeder(
        params(**overrides),
        cluster,
        hub or FakeHub(),
        check_mode=check_mode,
        clock=lambda: next(ticks),
        sleep=lambda _s: None,
        script=script,
    )
    return seeder.run()


def test_first_run_creates_pvc_configmap_job_and_annotates_the_pvc():
    cluster = FakeCluster()
    result = run(cluster)
    assert result["changed"] is True
    created = [c[1] for c in cluster.writes() if c[0] == "create"]
    assert created == ["PersistentVolumeClaim", "ConfigMap", "Job"]
    annotations = cluster.objects[("PersistentVolumeClaim", "model-cache")]["metadata"]["annotations"]
    assert annotations[spec.ANNOTATION_PREFIX + "commit"] == COMMIT
    assert annotations[spec.ANNOTATION_PREFIX + "bytes"] == "1234"
    assert result["record"]["files"] == 3


def test_rerun_for_the_recorded_commit_changes_nothing_and_creates_no_job():
    cluster = FakeCluster()
    run(cluster)
    cluster.calls.clear()
    result = run(cluster)
    assert result["changed"] is False
    assert cluster.writes() == []


def test_force_runs_the_job_again_for_the_recorded_commit():
    cluster = FakeCluster()
    run(cluster)
    cluster.calls.clear()
    result = run(cluster, force=True)
    assert result["changed"] is True
    assert ("create", "Job", "model-cache-seed-aaaaaaaaaa") in cluster.calls


def test_without_the_downloader_no_job_runs_and_the_message_names_the_action_plugin():
    cluster = FakeCluster()
    with pytest.raises(ModelCacheError, match="no downloader_source; run model_cache through its action plugin"):
        run(cluster, script=None)
    assert [c[1] for c in cluster.writes() if c[1] in ("ConfigMap", "Job")] == []


def test_check_mode_on_an_empty_cluster_plans_without_writing():
    cluster = FakeCluster()
    result = run(cluster, check_mode=True)
    assert result["changed"] is True
    assert result["msg"].startswith("would seed org/model@" + COMMIT)
    assert result["plan"]["job"]["kind"] == "Job"
    assert cluster.writes() == []


def test_a_commit_revision_is_not_resolved_on_the_hub():
    hub = FakeHub()
    run(FakeCluster(), hub=hub, revision=COMMIT)
    assert hub.calls == 0


def test_a_failed_job_raises_with_the_downloaders_reason_and_the_log_tail():
    failure = json.dumps({"ok": False, "reason": "disk_full", "error": "No space left on the cache volume"})
    log = "\n".join(f"line {i}" for i in range(50)) + "\nERROR: No space left on the cache volume\n" + failure
    cluster = FakeCluster(outcome=lambda job: (False, failure, log))
    with pytest.raises(ModelCacheError, match="Job model-cache-seed-aaaaaaaaaa failed: No space left") as caught:
        run(cluster)
    assert caught.value.log_tail.splitlines()[-2] == "ERROR: No space left on the cache volume"
    assert len(caught.value.log_tail.splitlines()) == 5
    annotations = cluster.objects[("PersistentVolumeClaim", "model-cache")]["metadata"].get("annotations") or {}
    assert spec.ANNOTATION_PREFIX + "commit" not in annotations


def test_a_job_that_never_finishes_times_out_with_its_last_status():
    cluster = FakeCluster(outcome=None)
    with pytest.raises(ModelCacheError, match="did not finish within 30s"):
        run(cluster)


def test_a_completed_job_without_a_matching_record_is_an_error():
    cluster = FakeCluster(outcome=lambda job: (True, json.dumps(record(commit="b" * 40)), ""))
    with pytest.raises(ModelCacheError, match="without a record for commit"):
        run(cluster)


def test_a_failed_job_from_an_earlier_run_is_replaced():
    cluster = FakeCluster(outcome=lambda job: (False, "{}", "boom"))
    with pytest.raises(ModelCacheError):
        run(cluster)
    cluster.outcome = lambda job: (True, json.dumps(record()), "")
    assert run(cluster)["changed"] is True
    assert ("delete", "Job", "model-cache-seed-aaaaaaaaaa") in cluster.calls


def test_a_completed_job_of_an_unwaited_run_is_recorded_without_a_new_job():
    cluster = FakeCluster()
    first = run(cluster, wait=False)
    assert "not waiting" in first["msg"]
    cluster.calls.clear()
    second = run(cluster)
    assert ("create", "Job", "model-cache-seed-aaaaaaaaaa") not in cluster.calls
    assert second["record"]["commit"] == COMMIT


def test_a_gated_model_needs_a_token_secret():
    with pytest.raises(ModelCacheError, match="gated and no token_secret"):
        run(FakeCluster(), hub=FakeHub(gated=True))


def test_the_token_reaches_the_job_only_as_a_secret_reference():
    cluster = FakeCluster()
    run(cluster, token_secret={"name": "hf-token", "key": "token"})
    env = cluster.objects[("Job", "model-cache-seed-aaaaaaaaaa")]["spec"]["template"]["spec"]["containers"][0]["env"]
    token = next(e for e in env if e["name"] == "HF_TOKEN")
    assert token == {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}}


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            {
                "storageClassName": "slow",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "20Gi"}},
            },
            "storage class is slow",
        ),
        ({"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "20Gi"}}}, "access modes"),
        ({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "40Gi"}}}, "cannot shrink"),
    ],
)
def test_immutable_pvc_differences_are_refused(existing, message):
    cluster = FakeCluster()
    cluster.objects[("PersistentVolumeClaim", "model-cache")] = {"metadata": {"name": "model-cache"}, "spec": existing}
    with pytest.raises(ModelCacheError, match=message):
        run(cluster, storage_class="fast" if "storage" in message else None)


def test_a_bigger_size_expands_the_pvc():
    cluster = FakeCluster()
    cluster.objects[("PersistentVolumeClaim", "model-cache")] = {
        "metadata": {"name": "model-cache", "annotations": spec.annotations_from_record(record(revision="main"))},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
    }
    result = run(cluster)
    assert result["changed"] is True
    pvc = cluster.objects[("PersistentVolumeClaim", "model-cache")]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert ("create", "Job", "model-cache-seed-aaaaaaaaaa") not in cluster.calls


def test_job_manifest_pins_the_commit_and_mounts_the_pvc_at_hf_home():
    job = spec.job_manifest(params(allow_patterns=["*.json"]), "j", COMMIT, "j-script")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][container["args"].index("--commit") + 1] == COMMIT
    assert container["args"][container["args"].index("--cache-dir") + 1] == "/models/hub"
    assert {"name": "model-cache", "mountPath": "/models"} in container["volumeMounts"]
    assert container["args"][-2:] == ["--allow-pattern", "*.json"]


def test_record_round_trips_through_annotations():
    back = spec.record_from_annotations(spec.annotations_from_record(record(revision="main")))
    assert back == {
        "model": MODEL,
        "revision": "main",
        "commit": COMMIT,
        "files": 3,
        "bytes": 1234,
        "seeded_at": "2026-01-01T00:00:00Z",
    }


def test_the_configmap_script_is_the_shipped_downloader():
    assert "class JobDownloader" in downloader_source()
    assert downloader_source() == (REPO_ROOT / "files" / "job_downloader.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("quantity", "expected"), [("20Gi", 20 * 2**30), ("500M", 500 * 10**6), ("1.5Ti", int(1.5 * 2**40))]
)
def test_storage_quantities(quantity, expected):
    assert spec.quantity_bytes(quantity) == expected
