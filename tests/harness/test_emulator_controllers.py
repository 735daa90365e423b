"""Controllers make workloads, Jobs, PVCs, pods and CRDs reach the state a healthy cluster reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.harness.kube_emulator.samples import deployment

JOBS = "/apis/batch/v1/namespaces/{ns}/jobs"


def _eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until `check` returns something truthy (Jobs finish on a worker thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def _job(
    name: str, ns: str, annotations: dict[str, str] | None = None, args: list[str] | None = None
) -> dict[str, Any]:
    container = {"name": "work", "image": "busybox", "command": ["echo"], "args": args or ["hello", "world"]}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [container]}}},
    }


def _finished(emu: Any, ns: str, name: str) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        _, job = emu.request("GET", f"{JOBS.format(ns=ns)}/{name}")
        conditions = {c["type"] for c in (job.get("status") or {}).get("conditions") or []}
        return job if conditions & {"Complete", "Failed"} else None

    return check


def _job_pod(emu: Any, ns: str, job: str) -> dict[str, Any]:
    _, pods = emu.request("GET", f"/api/v1/namespaces/{ns}/pods?labelSelector=job-name%3D{job}")
    assert len(pods["items"]) == 1
    return pods["items"][0]


def test_namespaces_become_active(kube_emulator_session: Any, ns: str) -> None:
    assert kube_emulator_session.request("GET", f"/api/v1/namespaces/{ns}")[1]["status"] == {"phase": "Active"}


def test_deployments_report_ready_replicas_for_the_current_generation(kube_emulator_session: Any, ns: str) -> None:
    emu = kube_emulator_session
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns, replicas=3))
    emu.request("PATCH", path, {"spec": {"replicas": 2}}, "application/merge-patch+json")
    _, body = emu.request("GET", path)
    status = body["status"]
    assert status["observedGeneration"] == body["metadata"]["generation"] == 2
    assert (
        status["replicas"] == status["readyReplicas"] == status["availableReplicas"] == status["updatedReplicas"] == 2
    )
    assert {c["type"]: c["status"] for c in status["conditions"]} == {"Available": "True", "Progressing": "True"}


def test_statefulsets_and_daemonsets_report_ready(kube_emulator_session: Any, ns: str) -> None:
    emu = kube_emulator_session
    template = deployment("db", ns)["spec"]["template"]
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": ns},
        "spec": {"serviceName": "db", "replicas": 2, "selector": {"matchLabels": {"app": "db"}}, "template": template},
    }
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "db", "namespace": ns},
        "spec": {"selector": {"matchLabels": {"app": "db"}}, "template": template},
    }
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/statefulsets", sts)
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/daemonsets", ds)
    _, sts_body = emu.request("GET", f"/apis/apps/v1/namespaces/{ns}/statefulsets/db")
    assert sts_body["spec"]["updateStrategy"]["type"] == "RollingUpdate"
    assert (
        sts_body["status"]["readyReplicas"] == 2
        and sts_body["status"]["currentRevision"] == sts_body["status"]["updateRevision"]
    )
    _, ds_body = emu.request("GET", f"/apis/apps/v1/namespaces/{ns}/daemonsets/db")
    assert ds_body["status"]["numberReady"] == ds_body["status"]["desiredNumberScheduled"] == 1


def test_pvcs_become_bound_with_the_requested_capacity(kube_emulator_session: Any, ns: str) -> None:
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "models", "namespace": ns},
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "100Gi"}}},
    }
    kube_emulator_session.request("POST", f"/api/v1/namespaces/{ns}/persistentvolumeclaims", pvc)
    _, body = kube_emulator_session.request("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims/models")
    assert body["status"] == {"phase": "Bound", "accessModes": ["ReadWriteMany"], "capacity": {"storage": "100Gi"}}


def test_pods_created_directly_become_running_and_ready(kube_emulator_session: Any, ns: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    kube_emulator_session.request("POST", f"/api/v1/namespaces/{ns}/pods", pod)
    _, body = kube_emulator_session.request("GET", f"/api/v1/namespaces/{ns}/pods/p")
    assert body["status"]["phase"] == "Running"
    assert all(c["ready"] for c in body["status"]["containerStatuses"])
    assert {c["type"]: c["status"] for c in body["status"]["conditions"]}["Ready"] == "True"


def test_jobs_complete_with_one_succeeded_pod(kube_emulator_session: Any, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", JOBS.format(ns=ns), _job("ok", ns))
    job = _eventually(_finished(emu, ns, "ok"))
    status = job["status"]
    assert status["succeeded"] == 1 and status["startTime"] and status["completionTime"]
    assert {c["type"] for c in status["conditions"]} == {"Complete", "SuccessCriteriaMet"}
    pod = _job_pod(emu, ns, "ok")
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "ok"
    assert pod["metadata"]["labels"]["controller-uid"] == job["metadata"]["uid"]
    assert pod["metadata"]["ownerReferences"][0]["uid"] == job["metadata"]["uid"]
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0


def test_the_fail_annotation_makes_a_job_fail(kube_emulator_session: Any, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", JOBS.format(ns=ns), _job("bad", ns, {"harness.gpuops.io/fail": "true"}))
    job = _eventually(_finished(emu, ns, "bad"))
    failed = {c["type"]: c for c in job["status"]["conditions"]}["Failed"]
    assert job["status"]["failed"] == 1 and failed["reason"] == "BackoffLimitExceeded"
    terminated = _job_pod(emu, ns, "bad")["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 1 and terminated["reason"] == "Error" and terminated["message"]


def test_deleting_a_job_garbage_collects_its_pod(kube_emulator_session: Any, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", JOBS.format(ns=ns), _job("gc", ns))
    _eventually(_finished(emu, ns, "gc"))
    emu.request("DELETE", f"{JOBS.format(ns=ns)}/gc?propagationPolicy=Background")
    assert emu.request("GET", f"/api/v1/namespaces/{ns}/pods")[1]["items"] == []


@pytest.mark.emulator_args(["--job-runner", "tests.harness.kube_emulator.runners:echo"])
def test_a_job_runner_does_the_work_and_its_log_is_served(kube_emulator: Any) -> None:
    emu = kube_emulator
    emu.request("POST", JOBS.format(ns="default"), _job("echo", "default", args=["line1"]))
    emu.request("POST", JOBS.format(ns="default"), _job("fails", "default", args=["--fail"]))
    _eventually(_finished(emu, "default", "echo"))
    pod = _job_pod(emu, "default", "echo")
    status, text = emu.request("GET", f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}/log")
    assert (status, text) == (200, "echo line1\n")
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["message"] == "done"
    job = _eventually(_finished(emu, "default", "fails"))
    assert job["status"]["failed"] == 1
    failed_pod = _job_pod(emu, "default", "fails")
    assert (
        failed_pod["status"]["containerStatuses"][0]["state"]["terminated"]["message"]
        == "echo runner was asked to fail"
    )


@pytest.mark.emulator_args(["--job-runner", "tests.harness.kube_emulator.runners:echo"])
def test_pod_log_supports_tail_lines(kube_emulator: Any) -> None:
    emu = kube_emulator
    job = _job("multi", "default")
    job["spec"]["template"]["spec"]["containers"] = [
        {"name": f"c{i}", "image": "busybox", "command": ["echo"], "args": [f"line{i}"]} for i in range(3)
    ]
    emu.request("POST", JOBS.format(ns="default"), job)
    _eventually(_finished(emu, "default", "multi"))
    log_path = f"/api/v1/namespaces/default/pods/{_job_pod(emu, 'default', 'multi')['metadata']['name']}/log"
    assert emu.request("GET", log_path)[1] == "echo line0\necho line1\necho line2\n"
    assert emu.request("GET", log_path + "?tailLines=2")[1] == "echo line1\necho line2\n"
    assert emu.request("GET", "/api/v1/namespaces/default/pods/nope/log")[0] == 404


@pytest.mark.emulator_args(["--job-runner", "tests.harness.kube_emulator.runners:echo"])
def test_the_typed_kubernetes_client_reads_job_status_and_pod_logs(kube_emulator: Any) -> None:
    from kubernetes import client

    api = kube_emulator.api_client()
    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
    batch.create_namespaced_job("default", _job("typed", "default", args=["from", "typed"]))
    job = _eventually(
        lambda: (lambda j: j if j.status.succeeded else None)(batch.read_namespaced_job("typed", "default"))
    )
    assert job.status.conditions[-1].type == "Complete"
    pods = core.list_namespaced_pod("default", label_selector="job-name=typed").items
    assert core.read_namespaced_pod_log(pods[0].metadata.name, "default", tail_lines=1) == "echo from typed\n"
    # The dynamic client's log subresource, as kubernetes.core.k8s_log and the model_cache module read it.
    from kubernetes import dynamic

    pod_resource = dynamic.DynamicClient(api).resources.get(api_version="v1", kind="Pod")
    response = pod_resource.log.get(
        name=pods[0].metadata.name, namespace="default", serialize=False, query_params={"tailLines": 1}
    )
    assert response.data.decode() == "echo from typed\n"


def test_workloads_scaled_to_zero_satisfy_the_kubernetes_core_waiters(kube_emulator_session: Any, ns: str) -> None:
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.waiter import deployment_ready, statefulset_ready
    from kubernetes.dynamic import ResourceInstance

    emu = kube_emulator_session
    template = deployment("zero", ns)["spec"]["template"]
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "zero", "namespace": ns},
        "spec": {
            "serviceName": "zero",
            "replicas": 0,
            "selector": {"matchLabels": {"app": "zero"}},
            "template": template,
        },
    }
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/statefulsets", sts)
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("zero", ns, replicas=0))
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("two", ns, replicas=2))
    for kind, name, ready in (
        ("statefulsets", "zero", statefulset_ready),
        ("deployments", "zero", deployment_ready),
        ("deployments", "two", deployment_ready),
    ):
        _, body = emu.request("GET", f"/apis/apps/v1/namespaces/{ns}/{kind}/{name}")
        assert ready(ResourceInstance(None, body)), (kind, name, body["status"])


@pytest.mark.emulator_args(["--job-runner", "tests.harness.kube_emulator.runners:broken"])
def test_a_runner_that_raises_fails_the_job_and_the_emulator_keeps_serving(kube_emulator: Any) -> None:
    emu = kube_emulator
    emu.request("POST", JOBS.format(ns="default"), _job("broken", "default"))
    job = _eventually(_finished(emu, "default", "broken"))
    assert job["status"]["failed"] == 1
    terminated = _job_pod(emu, "default", "broken")["status"]["containerStatuses"][0]["state"]["terminated"]
    assert "runner broke on broken" in terminated["message"]
    assert emu.request("GET", "/api/v1/namespaces")[0] == 200
