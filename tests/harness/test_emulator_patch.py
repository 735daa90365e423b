"""PATCH behaves like the real server: strategic merge by the real merge keys, JSON patch, merge patch and apply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.harness.kube_emulator.api import parse_body
from tests.harness.kube_emulator.samples import deployment, small_crd, unique

SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSONPATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"


@pytest.fixture
def emu(kube_emulator_session: Any) -> Any:
    return kube_emulator_session


@pytest.fixture
def web(emu: Any) -> Iterator[str]:
    """Path of a fresh Deployment with two containers, two env vars and one toleration."""
    ns = unique("p")
    emu.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}})
    status, body = emu.request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web", ns))
    assert status == 201, body
    yield f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    emu.request("DELETE", f"/api/v1/namespaces/{ns}")


def _containers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in obj["spec"]["template"]["spec"]["containers"]}


def test_strategic_merge_merges_containers_and_env_by_name(emu: Any, web: str) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": "registry.example/app:2",
                            "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}],
                        },
                    ]
                }
            }
        }
    }
    status, body = emu.request("PATCH", web, patch, SMP)
    assert status == 200
    containers = _containers(body)
    assert set(containers) == {"main", "sidecar"}
    assert containers["main"]["image"] == "registry.example/app:2"
    assert containers["main"]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "20"},
        {"name": "C", "value": "3"},
    ]
    assert containers["main"]["ports"] == [{"containerPort": 8080, "name": "http"}]


def test_strategic_merge_replaces_atomic_lists_like_tolerations(emu: Any, web: str) -> None:
    # PodSpec.tolerations has no patch merge key in Kubernetes 1.35: the patch list replaces the live one.
    toleration = {"key": "dedicated", "operator": "Equal", "value": "llm", "effect": "NoSchedule"}
    _, body = emu.request("PATCH", web, {"spec": {"template": {"spec": {"tolerations": [toleration]}}}}, SMP)
    assert body["spec"]["template"]["spec"]["tolerations"] == [toleration]


def test_strategic_merge_honours_delete_and_replace_directives(emu: Any, web: str) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}
    _, body = emu.request("PATCH", web, patch, SMP)
    assert set(_containers(body)) == {"main"}
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "main", "env": [{"$patch": "replace"}, {"name": "Z", "value": "z"}]}]}
            }
        }
    }
    _, body = emu.request("PATCH", web, patch, SMP)
    assert _containers(body)["main"]["env"] == [{"name": "Z", "value": "z"}]
    _, body = emu.request("PATCH", web, {"metadata": {"labels": {"app": None}}}, SMP)
    assert "app" not in body["metadata"]["labels"]


def test_merge_patch_replaces_lists_wholesale(emu: Any, web: str) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x:1"}]}}}}
    _, body = emu.request("PATCH", web, patch, MERGE)
    assert list(_containers(body)) == ["only"]


def test_json_patch_applies_operations_in_order(emu: Any, web: str) -> None:
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/labels/tier", "value": "gpu"},
        {"op": "remove", "path": "/spec/template/spec/containers/1"},
        {"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "C", "value": "3"}},
    ]
    status, body = emu.request("PATCH", web, ops, JSONPATCH)
    assert status == 200
    assert body["spec"]["replicas"] == 4 and body["metadata"]["labels"]["tier"] == "gpu"
    assert [e["name"] for e in _containers(body)["main"]["env"]] == ["A", "B", "C"]
    failing = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 9},
    ]
    status, _ = emu.request("PATCH", web, failing, JSONPATCH)
    assert status == 422
    assert emu.request("GET", web)[1]["spec"]["replicas"] == 4


def test_a_patch_producing_an_invalid_object_is_422_and_changes_nothing(emu: Any, web: str) -> None:
    status, body = emu.request("PATCH", web, {"spec": {"replicaz": 2}}, MERGE)
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.replicaz"
    assert "replicaz" not in emu.request("GET", web)[1]["spec"]


def test_apply_patch_creates_merges_and_drops_fields_the_manager_stopped_applying(emu: Any, web: str) -> None:
    ns = web.split("/")[5]
    path = f"/api/v1/namespaces/{ns}/configmaps/applied?fieldManager=tester"
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "applied", "labels": {"a": "1"}},
        "data": {"x": "1", "y": "2"},
    }
    status, created = emu.request("PATCH", path, config, APPLY)
    assert status == 200 and created["data"] == {"x": "1", "y": "2"}
    assert created["metadata"]["managedFields"][0]["manager"] == "tester"
    assert created["metadata"]["managedFields"][0]["operation"] == "Apply"
    _, again = emu.request("PATCH", path, config, APPLY)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    emu.request("PATCH", f"/api/v1/namespaces/{ns}/configmaps/applied", {"data": {"z": "other"}}, MERGE)
    config["data"] = {"x": "1"}
    _, body = emu.request("PATCH", path + "&force=true", config, APPLY)
    assert body["data"] == {"x": "1", "z": "other"}


def test_apply_patch_accepts_yaml_and_requires_a_field_manager(emu: Any, web: str) -> None:
    yaml_body = b"spec:\n  replicas: 5\n"
    status, body = emu.request("PATCH", web + "?fieldManager=yaml", raw=yaml_body, content_type=APPLY)
    assert status == 200 and body["spec"]["replicas"] == 5
    status, body = emu.request("PATCH", web, raw=yaml_body, content_type=APPLY)
    assert status == 422 and body["details"]["causes"][0]["field"] == "fieldManager"


def test_apply_patch_bodies_are_read_as_sigs_k8s_io_yaml_reads_them() -> None:
    # JSON (what kubectl and the Python client send) keeps JSON's types: YAML 1.2 reads 1e3 as a number, where
    # PyYAML's YAML 1.1 would read a string. Other YAML becomes JSON, a timestamp a string.
    assert parse_body(b'{"a": 1e3, "b": "2024-01-01"}', APPLY) == {"a": 1000.0, "b": "2024-01-01"}
    assert parse_body(b"a: 2024-01-01\nb: [1, x]\n", APPLY) == {"a": "2024-01-01", "b": [1, "x"]}


def test_strategic_merge_on_a_custom_resource_is_415_and_merge_patch_works(emu: Any) -> None:
    group = f"{unique('g')}.example.com"
    crd = small_crd(group)
    assert emu.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)[0] == 201
    widget = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}}
    base = f"/apis/{group}/v1/namespaces/default/widgets"
    assert emu.request("POST", base, widget)[0] == 201
    status, body = emu.request("PATCH", f"{base}/w", {"spec": {"size": 2}}, SMP)
    assert status == 415 and body["reason"] == "UnsupportedMediaType"
    status, body = emu.request("PATCH", f"{base}/w", {"spec": {"size": 2}}, MERGE)
    assert status == 200 and body["spec"]["size"] == 2
    emu.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}")


def test_an_unknown_patch_content_type_is_415(emu: Any, web: str) -> None:
    status, body = emu.request("PATCH", web, {"spec": {}}, "application/json")
    assert status == 415 and body["reason"] == "UnsupportedMediaType"


def test_the_scale_subresource_reads_and_patches_replicas_as_k8s_scale_does(emu: Any, web: str) -> None:
    from kubernetes import dynamic

    ns = web.split("/")[5]
    client = dynamic.DynamicClient(emu.api_client())
    deployments = client.resources.get(api_version="apps/v1", kind="Deployment")
    body = {"kind": "Deployment", "metadata": {"name": "web", "namespace": ns}, "spec": {"replicas": 4}}
    deployments.scale.patch(body=body, name="web", namespace=ns)  # what kubernetes.core.k8s_scale sends
    _, scale = emu.request("GET", web + "/scale")
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 4 and scale["status"]["replicas"] == 4
    assert emu.request("GET", web)[1]["status"]["readyReplicas"] == 4


def test_the_typed_client_patches_node_status(emu: Any) -> None:
    from kubernetes import client

    core = client.CoreV1Api(emu.api_client())
    name = unique("node")
    core.create_node({"metadata": {"name": name, "labels": {"nvidia.com/gpu.present": "true"}}})
    core.patch_node_status(
        name, {"status": {"allocatable": {"nvidia.com/gpu": "2"}, "capacity": {"nvidia.com/gpu": "2"}}}
    )
    assert core.read_node(name).status.allocatable == {"nvidia.com/gpu": "2"}
    core.delete_node(name)
