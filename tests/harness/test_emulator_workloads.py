"""Deployments become Available only through a ReplicaSet and the Pods it creates, with the Events to show it."""

from __future__ import annotations

from typing import Any

from tests.conftest import KubeEmulator
from tests.harness.kube_emulator.samples import deployment

MERGE = "application/merge-patch+json"


def _list(emu: KubeEmulator, path: str) -> list[dict[str, Any]]:
    status, body = emu.request("GET", path)
    assert status == 200, body
    return body["items"]


def _controller_uid(obj: dict[str, Any]) -> str | None:
    return next((r["uid"] for r in obj["metadata"].get("ownerReferences") or [] if r.get("controller")), None)


def _ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or [])


def _tree(emu: KubeEmulator, ns: str, name: str) -> tuple[dict, list[dict], dict[str, list[dict]]]:
    """The Deployment, its ReplicaSets and each one's Pods, found through ownerReferences only."""
    _, dep = emu.request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")
    rss = [
        rs
        for rs in _list(emu, f"/apis/apps/v1/namespaces/{ns}/replicasets")
        if _controller_uid(rs) == dep["metadata"]["uid"]
    ]
    pods = _list(emu, f"/api/v1/namespaces/{ns}/pods")
    by_rs = {rs["metadata"]["name"]: [p for p in pods if _controller_uid(p) == rs["metadata"]["uid"]] for rs in rss}
    return dep, rss, by_rs


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    labels = {k: v for k, v in template["metadata"]["labels"].items() if k != "pod-template-hash"}
    return {**template, "metadata": {**template["metadata"], "labels": labels}}


def _assert_consistent(emu: KubeEmulator, ns: str, name: str) -> dict:
    """The invariant: every count in the Deployment's status is what its ReplicaSets' Pods say, and the pod
    template it runs is the current one."""
    dep, rss, by_rs = _tree(emu, ns, name)
    replicas = dep["spec"]["replicas"]
    current = [rs for rs in rss if _without_hash(rs["spec"]["template"]) == dep["spec"]["template"]]
    assert len(current) == 1
    current_name = current[0]["metadata"]["name"]
    assert current_name.startswith(f"{name}-")
    digest = current_name.removeprefix(f"{name}-")
    assert current[0]["spec"]["selector"]["matchLabels"]["pod-template-hash"] == digest
    pods = [p for items in by_rs.values() for p in items]
    assert len(by_rs[current_name]) == replicas
    assert all(len(items) == 0 for rs_name, items in by_rs.items() if rs_name != current_name)
    assert all(p["status"]["phase"] == "Running" and _ready(p) for p in pods)
    assert all(p["metadata"]["labels"]["pod-template-hash"] == digest for p in pods)
    status = dep["status"]
    assert status["observedGeneration"] == dep["metadata"]["generation"]
    assert status.get("replicas", 0) == status.get("updatedReplicas", 0) == len(pods) == replicas
    assert status.get("availableReplicas", 0) == sum(_ready(p) for p in pods)
    for rs in rss:
        assert rs["status"]["replicas"] == len(by_rs[rs["metadata"]["name"]])
    assert {c["type"]: c["status"] for c in status["conditions"]} == {"Available": "True", "Progressing": "True"}
    return dep


def test_a_deployment_runs_its_pods_through_one_replicaset(kube_emulator_session: KubeEmulator, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns, replicas=3))
    _assert_consistent(emu, ns, "web")
    _, rss, by_rs = _tree(emu, ns, "web")
    assert [rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in rss] == ["1"]
    pod = next(iter(by_rs.values()))[0]
    assert pod["spec"]["containers"][0]["image"] == "registry.example/app:1"


def test_scaling_and_a_new_template_move_the_pods(kube_emulator_session: KubeEmulator, ns: str) -> None:
    emu = kube_emulator_session
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns, replicas=2))
    steps: list[dict[str, Any]] = [
        {"spec": {"replicas": 4}},
        {"spec": {"template": {"metadata": {"annotations": {"restartedAt": "now"}}}}},
        {"spec": {"replicas": 1}},
        {"spec": {"replicas": 0}},
        {"spec": {"replicas": 2}},
    ]
    for patch in steps:
        status, body = emu.request("PATCH", path, patch, MERGE)
        assert status == 200, body
        _assert_consistent(emu, ns, "web")
    _, rss, _ = _tree(emu, ns, "web")
    revisions = sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in rss)
    assert revisions == ["1", "2"]


def test_deleting_a_deployment_deletes_its_replicasets_and_pods(kube_emulator_session: KubeEmulator, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns, replicas=2))
    assert emu.request("DELETE", f"/apis/apps/v1/namespaces/{ns}/deployments/web")[0] == 200
    assert _list(emu, f"/apis/apps/v1/namespaces/{ns}/replicasets") == []
    assert _list(emu, f"/api/v1/namespaces/{ns}/pods") == []


def test_the_steps_leave_events_a_user_would_read(kube_emulator_session: KubeEmulator, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns, replicas=2))
    emu.request("PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/web", {"spec": {"replicas": 1}}, MERGE)
    _, rss, by_rs = _tree(emu, ns, "web")
    [rs] = rss
    rs_name = rs["metadata"]["name"]
    events = {
        (e["involvedObject"]["kind"], e["reason"], e["message"]) for e in _list(emu, f"/api/v1/namespaces/{ns}/events")
    }
    created = {m for k, r, m in events if (k, r) == ("ReplicaSet", "SuccessfulCreate")}
    deleted = {m for k, r, m in events if (k, r) == ("ReplicaSet", "SuccessfulDelete")}
    assert len(created) == 2 and len(deleted) == 1
    assert {m.removeprefix("Created pod: ") for m in created} - {m.removeprefix("Deleted pod: ") for m in deleted} == {
        p["metadata"]["name"] for p in by_rs[rs_name]
    }
    assert ("Deployment", "ScalingReplicaSet", f"Scaled up replica set {rs_name} from 0 to 2") in events
    assert ("Deployment", "ScalingReplicaSet", f"Scaled down replica set {rs_name} from 2 to 1") in events


def test_a_replicaset_created_directly_creates_its_pods(kube_emulator_session: KubeEmulator, ns: str) -> None:
    emu = kube_emulator_session
    rs = deployment("solo", ns, replicas=2)
    rs["kind"] = "ReplicaSet"
    status, body = emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/replicasets", rs)
    assert status == 201, body
    _, stored = emu.request("GET", f"/apis/apps/v1/namespaces/{ns}/replicasets/solo")
    pods = [p for p in _list(emu, f"/api/v1/namespaces/{ns}/pods") if _controller_uid(p) == stored["metadata"]["uid"]]
    assert len(pods) == 2 and all(_ready(p) for p in pods)
    assert stored["status"]["readyReplicas"] == stored["status"]["replicas"] == 2


def test_a_pod_deleted_by_hand_is_replaced_by_its_replicaset(kube_emulator_session: KubeEmulator, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns, replicas=2))
    _, _, by_rs = _tree(emu, ns, "web")
    [before] = by_rs.values()
    victim = before[0]["metadata"]["name"]
    assert emu.request("DELETE", f"/api/v1/namespaces/{ns}/pods/{victim}")[0] == 200
    _assert_consistent(emu, ns, "web")
    _, _, by_rs = _tree(emu, ns, "web")
    [after] = by_rs.values()
    names = {p["metadata"]["name"] for p in after}
    assert victim not in names and before[1]["metadata"]["name"] in names and len(names) == 2


def test_the_simulated_kubelet_reports_each_pod_start(kube_emulator_session: KubeEmulator, ns: str) -> None:
    emu = kube_emulator_session
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns, replicas=1))
    _, _, by_rs = _tree(emu, ns, "web")
    [[pod]] = by_rs.values()
    name = pod["metadata"]["name"]
    events = [e for e in _list(emu, f"/api/v1/namespaces/{ns}/events") if e["involvedObject"]["name"] == name]
    reasons = [(e["source"]["component"], e["reason"]) for e in events]
    assert reasons.count(("default-scheduler", "Scheduled")) == 1
    for container in pod["spec"]["containers"]:
        messages = {e["message"] for e in events if e["source"]["component"] == "kubelet"}
        assert f"Started container {container['name']}" in messages
        assert f'Container image "{container["image"]}" already present on machine' in messages
    assert all(e["involvedObject"]["uid"] == pod["metadata"]["uid"] for e in events)


def test_pods_with_the_never_ready_annotation_keep_their_deployment_unavailable(
    kube_emulator_session: KubeEmulator, ns: str
) -> None:
    emu = kube_emulator_session
    body = deployment("stuck", ns, replicas=2)
    body["spec"]["template"]["metadata"]["annotations"] = {"harness.gpuops.io/never-ready": "true"}
    emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body)
    dep, _, by_rs = _tree(emu, ns, "stuck")
    pods = [p for items in by_rs.values() for p in items]
    assert len(pods) == 2
    assert all(p["status"]["phase"] == "Running" and not _ready(p) for p in pods)
    assert all(p["metadata"]["annotations"]["harness.gpuops.io/never-ready"] == "true" for p in pods)
    assert dep["status"].get("readyReplicas", 0) == dep["status"].get("availableReplicas", 0) == 0
    assert {c["type"]: c["status"] for c in dep["status"]["conditions"]}["Available"] == "False"
    emu.request(
        "PATCH",
        f"/apis/apps/v1/namespaces/{ns}/deployments/stuck",
        {"spec": {"template": {"metadata": {"annotations": {"harness.gpuops.io/never-ready": None}}}}},
        content_type=MERGE,
    )
    _assert_consistent(emu, ns, "stuck")
