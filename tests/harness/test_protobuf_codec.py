"""The emulator's protobuf decoder, on bodies encoded with the real k8s.io descriptors (installed by `make setup`)."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from tests.harness.kube_emulator import protobuf, samples
from tests.harness.kube_emulator.resources import builtin_resources

pytestmark = pytest.mark.skipif(
    not protobuf.available(), reason=f"no {protobuf.DESCRIPTOR_FILE} in {protobuf.tools_dir()}: run `make setup`"
)

META = {"name": "x", "namespace": "demo", "labels": {"app": "x"}, "annotations": {"note": "ü ✓"}}
OBJECTS: list[dict[str, Any]] = [
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {**META, "creationTimestamp": "2026-01-02T03:04:05Z"},
        "data": {"bin": base64.b64encode(bytes(range(256))).decode(), "empty": ""},
        "type": "kubernetes.io/tls",
        "immutable": False,
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": META,
        "data": {"a": "1"},
        "binaryData": {"b": base64.b64encode(b"\x00\xff").decode()},
    },
    samples.deployment("x", "demo", replicas=0),
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "y", "namespace": "demo"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "i",
                            "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "16Gi"}},
                            "readinessProbe": {"httpGet": {"path": "/health", "port": "http"}},
                            "livenessProbe": {"tcpSocket": {"port": 8000}},
                        }
                    ],
                    "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}],
                },
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": META,
        "spec": {"ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}]},
    },
    {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": META,
        "eventTime": "2026-01-02T03:04:05.123456Z",
        "reportingController": "c",
        "reportingInstance": "i",
        "action": "Scale",
        "reason": "ScalingReplicaSet",
    },
    {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "w"},
        "webhooks": [
            {
                "name": "w.example.com",
                "clientConfig": {"caBundle": base64.b64encode(b"PEM").decode(), "url": "https://x"},
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
            }
        ],
    },
    {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "n",
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Apply",
                    "apiVersion": "v1",
                    "time": "2026-01-02T03:04:05Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:a": {}}}},
                }
            ],
        },
    },
    {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": META,
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}},
        },
    },
    samples.small_crd(),
    {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "things", "kind": "Thing"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "required": ["size"],
                                    "properties": {
                                        "size": {"x-kubernetes-int-or-string": True, "default": 1},
                                        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
                                        "tags": {"type": "array", "items": {"type": "string"}},
                                        "extra": {"type": "object", "additionalProperties": {"type": "string"}},
                                        "free": {"type": "object", "additionalProperties": True},
                                        "ports": {
                                            "type": "array",
                                            "x-kubernetes-list-type": "map",
                                            "x-kubernetes-list-map-keys": ["name"],
                                            "items": {"type": "object", "properties": {"name": {"type": "string"}}},
                                        },
                                    },
                                    "x-kubernetes-validations": [{"rule": "self.size != 0", "message": "m"}],
                                }
                            },
                        }
                    },
                }
            ],
        },
    },
]


@pytest.fixture(scope="module")
def codec() -> protobuf.Codec:
    return protobuf.codec()


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: f"{o['kind']}-{o['metadata']['name']}")
def test_an_encoded_object_decodes_to_the_json_it_came_from(codec: protobuf.Codec, obj: dict[str, Any]) -> None:
    body = codec.encode_object(copy.deepcopy(obj))
    assert body.startswith(protobuf.MAGIC)
    assert codec.decode(body) == _without_empty_strings(obj)


def _without_empty_strings(value: Any) -> Any:
    """What the decoder cannot tell apart from a Go string left empty: "" for a string field (not map values)."""
    if isinstance(value, dict):
        return {k: _without_empty_strings(v) for k, v in value.items() if v != "" or k == "empty"}
    if isinstance(value, list):
        return [_without_empty_strings(v) for v in value]
    return value


def test_every_builtin_kind_the_emulator_serves_has_a_protobuf_message(codec: protobuf.Codec) -> None:
    missing = []
    for rt in builtin_resources():
        try:
            codec.message_class(rt.api_version, rt.kind)
        except protobuf.ProtobufError:
            missing.append(f"{rt.api_version} {rt.kind}")
    assert missing == []


def test_fields_gogo_writes_unset_are_dropped_and_pointer_zeros_kept(codec: protobuf.Codec) -> None:
    """gogo marshals non-pointer fields even when empty; a pointer set to 0 must survive (replicas: 0)."""
    message = codec.message_class("apps/v1", "Deployment")()
    message.metadata.name = "d"
    message.metadata.generateName = ""  # present on the wire, as gogo writes it
    message.metadata.creationTimestamp.SetInParent()  # zero Time: Go's JSON writes null, the decoder drops it
    message.spec.replicas = 0
    message.spec.paused = False
    body = _envelope(codec, "apps/v1", "Deployment", message.SerializeToString())
    assert codec.decode(body) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"replicas": 0, "paused": False},
    }


def _envelope(codec: protobuf.Codec, api_version: str, kind: str, raw: bytes) -> bytes:
    from google.protobuf import message_factory

    unknown_class = message_factory.GetMessageClass(
        codec.pool.FindMessageTypeByName("k8s.io.apimachinery.pkg.runtime.Unknown")
    )
    unknown = unknown_class()
    unknown.typeMeta.apiVersion, unknown.typeMeta.kind, unknown.raw = api_version, kind, raw
    return protobuf.MAGIC + unknown.SerializeToString()


def test_bodies_that_are_not_kubernetes_protobuf_are_refused(codec: protobuf.Codec) -> None:
    with pytest.raises(protobuf.ProtobufError, match="magic") as no_magic:
        codec.decode(b'{"kind": "Namespace"}')
    assert no_magic.value.code == 400
    with pytest.raises(protobuf.ProtobufError) as truncated:
        codec.decode(codec.encode_object(OBJECTS[0])[:-3])
    assert truncated.value.code == 400
    with pytest.raises(protobuf.ProtobufError, match="custom resources are JSON") as custom:
        codec.decode(_envelope(codec, "example.com/v1", "Thing", b""))
    assert custom.value.code == 415


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [(0, "0s"), (1, "1ns"), (1500, "1.5µs"), (2_000_000, "2ms"), (90 * 10**9, "1m30s"), (3600 * 10**9, "1h0m0s")],
)
def test_durations_read_like_go(nanoseconds: int, text: str) -> None:
    assert protobuf.go_duration(nanoseconds) == text
    assert protobuf.go_duration(-nanoseconds) == (f"-{text}" if nanoseconds else text)


# The descriptors come from helm 3.19 (k8s.io/api v0.34); the schemas are 1.35. Fields 1.35 added are not in the
# descriptors (a 1.34 client cannot send them); these were dropped or renamed in 1.35, so the decoder may produce
# them and the 1.35 validation refuses them, as a 1.35 server would.
SKEW_0_34_ONLY = {
    ("io.k8s.api.resource.v1alpha3.DeviceTaintSelector", "deviceClassName"),
    ("io.k8s.api.resource.v1alpha3.DeviceTaintSelector", "selectors"),
}


def test_every_protobuf_field_has_the_json_name_of_a_property_of_the_same_type(codec: protobuf.Codec) -> None:
    """The name mapping, checked over every k8s.io message against kubernetes-validate's definition of the type.

    Also checks the inline detection: an inline field contributes its nested fields' names, expanded recursively.
    """
    from google.protobuf import descriptor_pb2

    from tests.harness.kube_emulator import validation

    definitions = validation.definitions()["$defs"]
    fds = descriptor_pb2.FileDescriptorSet.FromString((protobuf.tools_dir() / protobuf.DESCRIPTOR_FILE).read_bytes())
    mismatches, checked = [], 0
    for file in fds.file:
        for proto in file.message_type if file.name.startswith("k8s.io/") else []:
            message = codec.pool.FindMessageTypeByName(f"{file.package}.{proto.name}")
            name = "io.k8s." + message.full_name.removeprefix("k8s.io.").replace("_apiserver", "-apiserver")
            properties = set((definitions.get(name) or {}).get("properties") or ())
            if not properties or message.name.startswith("JSONSchemaProps"):
                continue
            checked += 1
            unknown = {n for n in protobuf.json_names(message) - properties if (name, n) not in SKEW_0_34_ONLY}
            if unknown:
                mismatches.append((name, sorted(unknown)))
    assert checked > 500
    assert mismatches == [], "\n".join(map(str, mismatches))
