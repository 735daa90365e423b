"""CustomResourceDefinitions add served resources to discovery and validate custom resources by their schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness.kube_emulator.samples import small_crd, unique

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
REPO_ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = Path(os.environ.get("GPUOPS_UPSTREAM_DIR", REPO_ROOT.parent / "shared" / "upstream"))
KEDA_SCALEDOBJECT_CRD = UPSTREAM / "keda" / "v2.20.2" / "keda.sh_scaledobjects.yaml"


@pytest.fixture
def emu(kube_emulator_session: Any) -> Any:
    return kube_emulator_session


@pytest.fixture
def widgets(emu: Any) -> Iterator[str]:
    """A fresh group serving the sample Widget CRD; yields the group name."""
    group = f"{unique('w')}.example.com"
    status, body = emu.request("POST", CRDS, small_crd(group))
    assert status == 201, body
    yield group
    emu.request("DELETE", f"{CRDS}/widgets.{group}")


def _widget(group: str, spec: dict[str, Any], name: str = "w1") -> dict[str, Any]:
    return {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def test_a_crd_adds_every_served_version_to_discovery_and_deleting_it_removes_them(emu: Any, widgets: str) -> None:
    _, group = emu.request("GET", f"/apis/{widgets}")
    assert [v["version"] for v in group["versions"]] == ["v1", "v1alpha1"]
    assert group["preferredVersion"]["version"] == "v1"
    _, v1 = emu.request("GET", f"/apis/{widgets}/v1")
    entries = {r["name"]: r for r in v1["resources"]}
    assert entries["widgets"]["kind"] == "Widget" and entries["widgets"]["shortNames"] == ["wdg"]
    assert entries["widgets"]["namespaced"] is True and "widgets/status" in entries
    assert emu.request("GET", f"/apis/{widgets}/v1alpha1")[0] == 200
    assert (
        emu.request("POST", f"/apis/{widgets}/v1/namespaces/default/widgets", _widget(widgets, {"size": 1}))[0] == 201
    )
    assert emu.request("DELETE", f"{CRDS}/widgets.{widgets}")[0] == 200
    assert emu.request("GET", f"/apis/{widgets}/v1")[0] == 404
    assert widgets not in {g["name"] for g in emu.request("GET", "/apis")[1]["groups"]}
    # Re-creating the CRD does not resurrect the objects deleted with it.
    emu.request("POST", CRDS, small_crd(widgets))
    assert emu.request("GET", f"/apis/{widgets}/v1/namespaces/default/widgets")[1]["items"] == []


def test_crds_become_established(emu: Any, widgets: str) -> None:
    _, crd = emu.request("GET", f"{CRDS}/widgets.{widgets}")
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    assert crd["status"]["acceptedNames"]["kind"] == "Widget"


def test_a_crd_whose_name_does_not_match_is_422(emu: Any) -> None:
    crd = small_crd(f"{unique('w')}.example.com")
    crd["metadata"]["name"] = "wrong.example.com"
    status, body = emu.request("POST", CRDS, crd)
    assert status == 422 and body["details"]["causes"][0]["field"] == "metadata.name"


def test_a_crd_schema_with_an_unknown_keyword_is_422_naming_it(emu: Any) -> None:
    crd = small_crd(f"{unique('w')}.example.com")
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"]["minimun"] = 1
    status, body = emu.request("POST", CRDS, crd)
    assert status == 422
    expected = "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.minimun"
    assert [c["field"] for c in body["details"]["causes"]] == [expected]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"size": 1, "colour": "red"}, "spec.colour"),
        ({"mode": "fast"}, "spec.size"),
        ({"size": "big"}, "spec.size"),
        ({"size": 0}, "spec.size"),
        ({"size": 1, "mode": "slow"}, "spec.mode"),
        ({"size": 1, "port": 1.5}, "spec.port"),
        ({"size": 1, "items": [{"name": "a", "nope": 1}]}, "spec.items[0].nope"),
        ({"size": 1, "labels": {"a": 1}}, "spec.labels.a"),
    ],
)
def test_custom_resources_are_validated_against_the_crd_schema(emu: Any, widgets: str, spec: dict, field: str) -> None:
    status, body = emu.request("POST", f"/apis/{widgets}/v1/namespaces/default/widgets", _widget(widgets, spec))
    assert status == 422, body
    assert field in [c["field"] for c in body["details"]["causes"]]


def test_schema_extensions_allow_what_they_promise(emu: Any, widgets: str) -> None:
    spec = {
        "size": 2,
        "mode": "safe",
        "port": "http",
        "labels": {"a": "b"},
        "extra": {"anything": {"goes": [1]}},
        "items": [{"name": "a"}],
    }
    status, body = emu.request("POST", f"/apis/{widgets}/v1/namespaces/default/widgets", _widget(widgets, spec))
    assert status == 201, body
    assert body["spec"] == spec and body["apiVersion"] == f"{widgets}/v1"
    other = _widget(widgets, {"whatever": True}, name="w2")
    other["apiVersion"] = f"{widgets}/v1alpha1"
    assert emu.request("POST", f"/apis/{widgets}/v1alpha1/namespaces/default/widgets", other)[0] == 201


def test_custom_resource_status_subresource_and_list(emu: Any, widgets: str) -> None:
    base = f"/apis/{widgets}/v1/namespaces/default/widgets"
    emu.request("POST", base, _widget(widgets, {"size": 1}))
    _, body = emu.request("PATCH", f"{base}/w1/status", {"status": {"ready": True}}, "application/merge-patch+json")
    assert body["status"] == {"ready": True}
    _, listing = emu.request("GET", base)
    assert listing["kind"] == "WidgetList" and listing["items"][0]["kind"] == "Widget"


def _load_keda_crd() -> dict[str, Any]:
    if not KEDA_SCALEDOBJECT_CRD.exists():
        pytest.skip(f"upstream KEDA CRD not found at {KEDA_SCALEDOBJECT_CRD} (set GPUOPS_UPSTREAM_DIR)")
    return yaml.safe_load(KEDA_SCALEDOBJECT_CRD.read_text())


def _scaled_object(**spec_extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "vllm", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"name": "vllm"},
            "minReplicaCount": 1,
            "maxReplicaCount": 3,
            "triggers": [
                {
                    "type": "prometheus",
                    "metadata": {
                        "serverAddress": "http://prom:9090",
                        "threshold": "5",
                        "query": "sum(vllm:num_requests_waiting)",
                    },
                }
            ],
            **spec_extra,
        },
    }


@pytest.mark.upstream
def test_the_upstream_keda_crd_accepts_a_scaled_object_and_rejects_a_wrong_field(emu: Any) -> None:
    crd = _load_keda_crd()
    status, body = emu.request("POST", CRDS, crd)
    assert status in (201, 409), body
    base = "/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects"
    try:
        status, body = emu.request("POST", base, _scaled_object(maxReplicas=3))
        assert status == 422 and "spec.maxReplicas" in [c["field"] for c in body["details"]["causes"]]
        status, body = emu.request("POST", base, _scaled_object())
        assert status == 201, body
    finally:
        emu.request("DELETE", f"{CRDS}/scaledobjects.keda.sh")
