"""The loopback OpenAI endpoint and Prometheus fakes behave as their README says, correct and misconfigured.

Plain http.client/ssl here, not the verify checker, so a bug in one cannot hide a bug in the other.
"""

from __future__ import annotations

import http.client
import json
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.harness.openai_endpoint import Misconfig, OpenAIEndpoint
from tests.harness.openai_endpoint.server import Settings
from tests.harness.prometheus_fake import PrometheusFake

KEY, REVOKED, MODELS = "key-1", "key-old", ["m1", "m2"]


def call(endpoint: OpenAIEndpoint, method: str, path: str, key: str | None = None, body: Any = None, plain=False):
    url = urlsplit(endpoint.http_url if plain else endpoint.url)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if plain:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    else:
        context = ssl.create_default_context(cafile=str(endpoint.ca_path))
        conn = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=10)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def start(tmp_path: Path, misconfig: Misconfig | None = None, cold: float | None = None) -> OpenAIEndpoint:
    return OpenAIEndpoint(Settings([KEY], MODELS, [REVOKED], misconfig, cold), tmp_path)


def test_the_correct_endpoint_speaks_the_openai_api_behind_bearer_keys(tmp_path: Path) -> None:
    with start(tmp_path) as ep:
        assert call(ep, "GET", "/v1/models")[0] == 401
        assert call(ep, "GET", "/v1/models", REVOKED)[0] == 401
        status, _, body = call(ep, "GET", "/v1/models", KEY)
        assert status == 200 and [m["id"] for m in json.loads(body)["data"]] == MODELS
        assert call(ep, "GET", "/metrics", KEY)[0] == 404
        assert call(ep, "GET", "/health")[0] == 200
        status, headers, _ = call(ep, "GET", "/v1/models", plain=True)
        assert status == 301 and headers["Location"] == f"{ep.url}/v1/models"
        status, _, body = call(ep, "POST", "/v1/completions", KEY, {"model": "m1", "prompt": "p", "max_tokens": 3})
        payload = json.loads(body)
        assert status == 200 and payload["object"] == "text_completion" and payload["usage"]["completion_tokens"] == 3
        stream = {
            "model": "m2",
            "messages": [],
            "max_tokens": 4,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        status, headers, body = call(ep, "POST", "/v1/chat/completions", KEY, stream)
        events = [line[len("data: ") :] for line in body.decode().splitlines() if line.startswith("data: ")]
        assert status == 200 and headers["Content-Type"] == "text/event-stream" and events[-1] == "[DONE]"
        chunks = [json.loads(e) for e in events[:-1]]
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
        assert text == "one two three four" and chunks[-1]["usage"]["completion_tokens"] == 4
        assert call(ep, "POST", "/v1/completions", KEY, {"model": "nope"})[0] == 404


@pytest.mark.parametrize(
    ("misconfig", "request_", "status"),
    [
        (Misconfig.AUTH_OFF, ("GET", "/v1/models", None), 200),
        (Misconfig.METRICS_EXPOSED, ("GET", "/metrics", KEY), 200),
        (Misconfig.REVOKED_KEY_ACCEPTED, ("GET", "/v1/models", REVOKED), 200),
    ],
)
def test_each_gateway_misconfiguration_lets_through_what_it_names(tmp_path: Path, misconfig, request_, status) -> None:
    with start(tmp_path, misconfig) as ep:
        assert call(ep, *request_)[0] == status


def test_no_redirect_serves_the_api_on_plain_http(tmp_path: Path) -> None:
    with start(tmp_path, Misconfig.NO_REDIRECT) as ep:
        assert call(ep, "GET", "/v1/models", KEY, plain=True)[0] == 200


@pytest.mark.parametrize(
    ("misconfig", "reason"), [(Misconfig.WRONG_NAME, "Hostname mismatch"), (Misconfig.EXPIRED, "expired")]
)
def test_bad_certificates_are_refused_by_a_verifying_client(tmp_path: Path, misconfig: Misconfig, reason: str) -> None:
    with start(tmp_path, misconfig) as ep, pytest.raises(ssl.SSLCertVerificationError, match=reason):
        call(ep, "GET", "/health")


def test_a_missing_model_is_neither_listed_nor_served(tmp_path: Path) -> None:
    with start(tmp_path, Misconfig.MODEL_MISSING) as ep:
        assert [m["id"] for m in json.loads(call(ep, "GET", "/v1/models", KEY)[2])["data"]] == ["m2"]
        assert call(ep, "POST", "/v1/completions", KEY, {"model": "m1"})[0] == 404


def test_scale_from_zero_drops_only_the_first_request_when_misconfigured(tmp_path: Path) -> None:
    body = {"model": "m1", "prompt": "p", "max_tokens": 1}
    with start(tmp_path, Misconfig.COLD_START_503, cold=0.1) as ep:
        assert [call(ep, "POST", "/v1/completions", KEY, body)[0] for _ in range(2)] == [503, 200]
    with start(tmp_path / "ok", cold=0.1) as ep:
        assert [call(ep, "POST", "/v1/completions", KEY, body)[0] for _ in range(2)] == [200, 200]


def test_the_prometheus_fake_answers_queries_and_rules_and_records_queries() -> None:
    with PrometheusFake(["m1"], ["A1"]) as prom:
        url = urlsplit(prom.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", "/api/v1/query?query=" + quote('up{a="b"}'))
        data = json.loads(conn.getresponse().read())
        conn.request("GET", "/api/v1/rules?type=alert")
        rules = json.loads(conn.getresponse().read())
        conn.close()
    assert data["data"]["result"][0]["metric"] == {"model": "m1"}
    assert [r["name"] for g in rules["data"]["groups"] for r in g["rules"]] == ["A1"]
    assert prom.queries == ['up{a="b"}']
