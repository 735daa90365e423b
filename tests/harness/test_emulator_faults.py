"""Injected faults behave as configured, and no request, however malformed, takes the emulator down."""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.harness.kube_emulator.samples import configmap

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def test_faults_hit_api_requests_but_never_harness_endpoints(kube_emulator: Any) -> None:
    emu = kube_emulator
    emu.set_faults(1.0, ["429"])
    status, body = emu.request("GET", CONFIGMAPS)
    assert status == 429 and body["reason"] == "TooManyRequests" and body["details"]["retryAfterSeconds"] == 1
    for _ in range(5):
        assert isinstance(emu.requests(), list)
    emu.set_faults(0.0)
    assert emu.request("GET", CONFIGMAPS)[0] == 200


def test_a_429_carries_retry_after(kube_emulator: Any) -> None:
    kube_emulator.set_faults(1.0, ["429"])
    split = urlsplit(kube_emulator.url)
    conn = http.client.HTTPSConnection(split.hostname, split.port, context=kube_emulator.ssl_context, timeout=10)
    conn.request("GET", CONFIGMAPS, headers={"Authorization": f"Bearer {kube_emulator.token}"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 429 and resp.headers["Retry-After"] == "1"


def test_an_injected_fault_never_half_applies_a_write(kube_emulator: Any) -> None:
    emu = kube_emulator
    emu.set_faults(1.0, ["500", "503"])
    for i in range(10):
        status, _ = emu.request("POST", CONFIGMAPS, configmap(f"c{i}", "default"))
        assert status in (500, 503)
    emu.set_faults(0.0)
    assert emu.request("GET", CONFIGMAPS)[1]["items"] == []
    assert {r["status"] for r in emu.requests()} == {500, 503, 200}


@pytest.mark.emulator_args(["--fault-rate", "0.5", "--fault-kinds", "503", "--fault-seed", "7"])
def test_the_fault_rate_applies_to_a_share_of_requests(kube_emulator: Any) -> None:
    statuses = [kube_emulator.request("GET", CONFIGMAPS)[0] for _ in range(60)]
    assert set(statuses) == {200, 503}
    assert 10 < statuses.count(503) < 50


def test_bad_faults_are_rejected(kube_emulator: Any) -> None:
    status, _ = kube_emulator.request("PUT", "/_harness/faults", {"rate": 2, "kinds": ["418"]})
    assert status == 400
    assert kube_emulator.request("GET", "/_harness/faults")[1]["rate"] == 0.0


def test_malformed_bodies_are_400_bad_request(kube_emulator: Any) -> None:
    emu = kube_emulator
    for raw, ctype in [(b"{not json", "application/json"), (b"a: [b", "application/yaml"), (b"", "application/json")]:
        status, body = emu.request("POST", CONFIGMAPS, raw=raw, content_type=ctype)
        assert status == 400 and body["reason"] == "BadRequest", (raw, body)
    emu.request("POST", CONFIGMAPS, configmap("c", "default"))
    status, body = emu.request("PATCH", f"{CONFIGMAPS}/c", raw=b"key: [", content_type="application/apply-patch+yaml")
    assert status in (400, 422) and body["kind"] == "Status"


def _raw_exchange(emu: Any, payload: bytes, rng: random.Random) -> None:
    """Send arbitrary bytes over TLS (or plain TCP) and read whatever comes back."""
    split = urlsplit(emu.url)
    with socket.create_connection((split.hostname, split.port), timeout=5) as sock:
        if payload.startswith(b"\x16") or rng.random() < 0.1:
            sock.sendall(payload)  # not TLS at all
            return
        with emu.ssl_context.wrap_socket(sock, server_hostname="localhost") as tls:
            tls.sendall(payload)
            tls.settimeout(0.3)  # random bytes rarely form a full request: do not wait for an answer
            with contextlib.suppress(TimeoutError, ssl.SSLError, OSError):
                tls.recv(65536)


def test_the_emulator_survives_hundreds_of_random_requests(kube_emulator: Any) -> None:
    emu = kube_emulator
    emu.request("POST", CONFIGMAPS, configmap("known", "default", a="1"))
    rng = random.Random(1234)
    known = json.dumps(configmap("x", "default")).encode()
    paths = [
        "/api/v1",
        "/apis/apps/v1/namespaces/default/deployments",
        CONFIGMAPS,
        f"{CONFIGMAPS}/known",
        "/api/v1/namespaces",
        "/apis",
        "/apis/batch/v1/namespaces/default/jobs/x/status",
        "/api/v1/pods/x/log",
    ]
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    ctypes = [
        "application/json",
        "application/yaml",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
        "text/plain",
    ]
    for i in range(300):
        path = rng.choice(paths)
        if rng.random() < 0.3:
            path = path[: rng.randint(0, len(path))] + "".join(
                rng.choice("/ab%{}?&=.~") for _ in range(rng.randint(0, 8))
            )
        body = (
            known[: rng.randint(0, len(known))] if rng.random() < 0.7 else bytes(rng.getrandbits(8) for _ in range(40))
        )
        method = rng.choice(methods)
        if method == "DELETE" and "configmaps" in path:  # deleting the known object (or all) is legitimate
            continue
        if i % 25 == 0:
            _raw_exchange(emu, bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))), rng)
            continue
        try:
            status, reply = emu.request(method, path or "/", raw=body, content_type=rng.choice(ctypes))
        except (ValueError, OSError):  # http.client refuses some generated paths before sending
            continue
        assert status < 500, (method, path, reply)
    assert emu.request("GET", f"{CONFIGMAPS}/known")[1]["data"] == {"a": "1"}
    assert emu.request("GET", "/apis/apps/v1")[1]["kind"] == "APIResourceList"


def test_yaml_bodies_become_json_like_on_a_real_server(kube_emulator: Any) -> None:
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dated\ndata:\n  day: 2024-01-01\n"
    status, reply = kube_emulator.request("POST", CONFIGMAPS, raw=body, content_type="application/yaml")
    assert status == 201 and reply["data"] == {"day": "2024-01-01"}


def test_chunked_request_bodies_are_read_and_the_connection_stays_usable(kube_emulator: Any) -> None:
    split = urlsplit(kube_emulator.url)
    conn = http.client.HTTPSConnection(split.hostname, split.port, context=kube_emulator.ssl_context, timeout=10)
    headers = {"Authorization": f"Bearer {kube_emulator.token}", "Content-Type": "application/json"}
    body = json.dumps(configmap("chunky", "default", a="b")).encode()
    conn.request("POST", CONFIGMAPS, body=iter([body[:10], body[10:]]), headers=headers, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 201, response.read()
    response.read()
    conn.request("GET", f"{CONFIGMAPS}/chunky", headers=headers)
    response = conn.getresponse()
    assert response.status == 200 and json.loads(response.read())["data"] == {"a": "b"}
    conn.close()
