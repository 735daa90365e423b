"""Emulator endpoints real clients need: health checks, OpenAPI v2/v3, protobuf request bodies, Accept negotiation."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator
from tests.harness.kube_emulator import protobuf, samples

needs_descriptors = pytest.mark.skipif(
    not protobuf.available(), reason=f"no {protobuf.DESCRIPTOR_FILE} in {protobuf.tools_dir()}: run `make setup`"
)
SERVER_MANAGED = ("uid", "resourceVersion", "creationTimestamp", "managedFields")


def _get(emu: KubeEmulator, path: str, accept: str) -> tuple[int, str, bytes]:
    split = urllib.parse.urlsplit(emu.url)
    conn = http.client.HTTPSConnection(split.hostname or "", split.port, context=emu.ssl_context, timeout=60)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {emu.token}", "Accept": accept})
        resp = conn.getresponse()
        return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("endpoint", ["healthz", "livez", "readyz"])
def test_health_endpoints_answer_ok_and_list_their_checks_when_verbose(
    kube_emulator_session: KubeEmulator, endpoint: str
) -> None:
    assert kube_emulator_session.request("GET", f"/{endpoint}") == (200, "ok")
    status, text = kube_emulator_session.request("GET", f"/{endpoint}?verbose")
    assert status == 200
    assert text.splitlines()[0] == "[+]ping ok"
    assert text.splitlines()[-1] == f"{endpoint} check passed"
    assert kube_emulator_session.request("GET", f"/{endpoint}/ping") == (200, "ok")
    assert kube_emulator_session.request("GET", f"/{endpoint}/nosuchcheck")[0] == 404


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value))
    return set()


def test_openapi_v3_lists_every_served_group_version_with_documents_whose_refs_resolve(
    kube_emulator: KubeEmulator,
) -> None:
    assert (
        kube_emulator.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", samples.small_crd())[0]
        == 201
    )
    status, index = kube_emulator.request("GET", "/openapi/v3")
    assert status == 200
    status, groups = kube_emulator.request("GET", "/apis")
    served = {"api/v1"} | {f"apis/{v['groupVersion']}" for g in groups["groups"] for v in g["versions"]}
    assert set(index["paths"]) == served
    for key, entry in index["paths"].items():
        status, doc = kube_emulator.request("GET", entry["serverRelativeURL"])
        assert status == 200, key
        schemas = doc["components"]["schemas"]
        dangling = {r for r in _refs(doc) if r.removeprefix("#/components/schemas/") not in schemas}
        assert dangling == set(), key
        patch_gvks = [op["patch"]["x-kubernetes-group-version-kind"] for op in doc["paths"].values()]
        # kubectl sends fieldValidation only when a PATCH operation of the kind lists it (QueryParamVerifierV3).
        assert all(
            any(p["name"] == "fieldValidation" for p in op["patch"]["parameters"]) for op in doc["paths"].values()
        )
        kinds = {g["kind"] for g in patch_gvks}
        with_schema = {g["kind"] for s in schemas.values() for g in s.get("x-kubernetes-group-version-kind", [])}
        assert kinds <= with_schema | {"Scale"}, key


def test_openapi_v3_serves_an_installed_crds_schema(kube_emulator: KubeEmulator) -> None:
    crd = samples.small_crd()
    kube_emulator.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    group, version = crd["spec"]["group"], crd["spec"]["versions"][0]["name"]
    status, doc = kube_emulator.request("GET", f"/openapi/v3/apis/{group}/{version}")
    assert status == 200
    name = ".".join([*reversed(group.split(".")), version, crd["spec"]["names"]["kind"]])
    schema = doc["components"]["schemas"][name]
    expected = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert schema["properties"]["spec"] == expected
    assert kube_emulator.request("GET", "/openapi/v3/apis/nosuch.example.com/v1")[0] == 404


def test_openapi_v2_json_converts_the_validation_schemas_back_to_openapi(kube_emulator_session: KubeEmulator) -> None:
    status, doc = kube_emulator_session.request("GET", "/openapi/v2")
    assert status == 200 and doc["swagger"] == "2.0"
    definitions = doc["definitions"]
    assert definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    replicas = definitions["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"]
    assert replicas["type"] == "integer"
    text = json.dumps(doc)
    assert '"null"' not in text and "#/$defs/" not in text
    assert {r.removeprefix("#/definitions/") for r in _refs(doc)} <= set(definitions)


@needs_descriptors
def test_openapi_v2_protobuf_is_the_gnostic_document_of_the_json_one(kube_emulator_session: KubeEmulator) -> None:
    from google.protobuf import message_factory

    status, ctype, body = _get(
        kube_emulator_session, "/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    )
    assert status == 200
    assert ctype == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    document_class = message_factory.GetMessageClass(protobuf.codec().pool.FindMessageTypeByName("openapi.v2.Document"))
    document = document_class.FromString(body)
    _, as_json = kube_emulator_session.request("GET", "/openapi/v2")
    names = [d.name for d in document.definitions.additional_properties]
    assert names == list(as_json["definitions"])
    deployment = next(
        d.value for d in document.definitions.additional_properties if d.name.endswith("apps.v1.Deployment")
    )
    extensions = {e.name: e.value.yaml for e in deployment.vendor_extension}
    assert "kind: Deployment" in extensions["x-kubernetes-group-version-kind"]
    spec = next(p.value for p in deployment.properties.additional_properties if p.name == "spec")
    assert spec._ref == "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"


@needs_descriptors
def test_a_protobuf_body_stores_what_the_same_object_sent_as_json_stores(kube_emulator: KubeEmulator) -> None:
    codec = protobuf.codec()
    kube_emulator.request("POST", "/api/v1/namespaces", {"metadata": {"name": "pb"}})
    kinds = [
        ("/api/v1/namespaces/pb/secrets", {"apiVersion": "v1", "kind": "Secret", "data": {"k": "AAEC"}}),
        ("/api/v1/namespaces/pb/configmaps", samples.configmap("x", "pb", {"a": "b"}, key="value")),
        ("/apis/apps/v1/namespaces/pb/deployments", samples.deployment("x", "pb", replicas=0)),
    ]
    for path, obj in kinds:
        obj["metadata"] = {**obj.get("metadata", {}), "name": "x", "namespace": "pb"}
        status, from_pb = kube_emulator.request(
            "POST", path, raw=codec.encode_object(obj), content_type=protobuf.MEDIA_TYPE
        )
        assert status == 201, from_pb
        obj["metadata"]["name"] = "y"
        status, from_json = kube_emulator.request("POST", path, obj)
        assert status == 201, from_json
        for stored in (from_pb, from_json):
            for key in (*SERVER_MANAGED, "name"):
                stored["metadata"].pop(key)
        assert from_pb == from_json, path


@needs_descriptors
def test_a_protobuf_body_with_a_bad_field_value_is_refused_like_json(kube_emulator: KubeEmulator) -> None:
    body = protobuf.codec().encode_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Bad_Name"}})
    status, error = kube_emulator.request("POST", "/api/v1/namespaces", raw=body, content_type=protobuf.MEDIA_TYPE)
    assert status == 422
    assert "metadata.name" in error["message"]


@pytest.fixture
def no_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator (started after this fixture) finds no descriptors, as in a clone where `make setup` never ran.

    The test process loads its codec first, with the real descriptors, to encode the request body: whether an earlier
    test in the same worker loaded it must not matter (the pytest steps of make test split the tests differently).
    """
    protobuf.codec()
    monkeypatch.setenv("GPUOPS_TOOLS_DIR", str(tmp_path / "no-tools"))


@needs_descriptors
@pytest.mark.usefixtures("no_tools")
def test_without_the_descriptors_a_protobuf_body_is_415_saying_to_run_make_setup(kube_emulator: KubeEmulator) -> None:
    body = protobuf.codec().encode_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}})
    status, error = kube_emulator.request("POST", "/api/v1/namespaces", raw=body, content_type=protobuf.MEDIA_TYPE)
    assert status == 415
    assert "make setup" in error["message"]
    assert kube_emulator.request("GET", "/api/v1/namespaces/n")[0] == 404
    assert not (kube_emulator.bin_dir / "kubectl").exists()


def test_a_client_accepting_only_protobuf_gets_406_and_one_accepting_json_too_gets_json(
    kube_emulator_session: KubeEmulator,
) -> None:
    status, ctype, body = _get(kube_emulator_session, "/api/v1/namespaces/default", protobuf.MEDIA_TYPE)
    assert status == 406
    assert json.loads(body)["reason"] == "NotAcceptable"
    both = f"{protobuf.MEDIA_TYPE}, application/json"
    status, ctype, body = _get(kube_emulator_session, "/api/v1/namespaces/default", both)
    assert (status, ctype) == (200, "application/json")
    assert json.loads(body)["metadata"]["name"] == "default"
