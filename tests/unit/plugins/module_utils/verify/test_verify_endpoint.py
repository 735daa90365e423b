"""EndpointChecker decisions, with a scripted opener and a fake clock: no network."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify import report
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.endpoint import EndpointChecker
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.errors import TransportError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.inputs import Target
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_paths import (
    VLLM_UNAUTHENTICATED_PATHS as VLLM_PRIVATE_PATHS,
)

KEY = "secret-key-team-a-0123456789"
REVOKED = "secret-revoked-9876543210"
NOW = 1_790_000_000.0  # September 2026


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class FakeResponse:
    def __init__(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, lines=None) -> None:
        self.status, self._body, self.headers, self._lines = status, body, headers or {}, lines

    def read(self) -> bytes:
        return self._body

    def lines(self) -> Iterator[bytes]:
        yield from self._lines() if self._lines else iter(())

    def close(self) -> None:
        pass


def sse(chunks: list[dict[str, Any]], clock: Clock, step: float = 0.1, done: bool = True) -> Callable[[], Iterator]:
    def gen() -> Iterator[bytes]:
        for chunk in chunks:
            clock.t += step
            yield f"data: {json.dumps(chunk)}\n".encode()
            yield b"\n"
        if done:
            yield b"data: [DONE]\n"

    return gen


def chunk(content: str | None = None, usage: dict[str, int] | None = None) -> dict[str, Any]:
    choices = [] if content is None else [{"index": 0, "delta": {"content": content}}]
    out: dict[str, Any] = {"object": "chat.completion.chunk", "choices": choices}
    if usage:
        out["usage"] = usage
    return out


class Gateway:
    """A correct endpoint as a function of (method, path, key); tests override single answers."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.overrides: dict[tuple[str, str, str | None], FakeResponse | Exception] = {}
        self.sent: list[tuple[str, str, dict[str, str], bytes | None]] = []
        self.cert: dict[str, Any] = {
            "issuer": ((("organizationName", "Let's Encrypt"),),),
            "notAfter": "Jan  1 00:00:00 2027 GMT",
        }
        self.cert_error: TransportError | None = None

    def peer_certificate(self, url: str) -> dict[str, Any]:
        if self.cert_error is not None:
            raise self.cert_error
        return self.cert

    def open(self, method, url, headers=None, body=None, timeout=None) -> FakeResponse:
        headers = headers or {}
        self.sent.append((method, url, headers, body))
        path = url.split("://", 1)[1].split("/", 1)[1]
        path = "/" + path
        key = headers.get("Authorization", "")[len("Bearer ") :] or None
        answer = self.overrides.get((method, path, key)) or self.overrides.get((method, path, "*"))
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            return answer
        if url.startswith("http://"):
            return FakeResponse(301, headers={"location": "https://llm.example.com/v1/models"})
        if key != KEY:
            return FakeResponse(401)
        if path == "/v1/models":
            return FakeResponse(200, json.dumps({"data": [{"id": "m1"}, {"id": "m2"}]}).encode())
        if path == "/v1/completions":
            model = json.loads(body)["model"]
            usage = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
            payload = {
                "id": "c",
                "object": "text_completion",
                "model": model,
                "choices": [{"text": "x", "finish_reason": "length"}],
                "usage": usage,
            }
            return FakeResponse(200, json.dumps(payload).encode())
        if path == "/v1/chat/completions":
            chunks = [chunk("a"), chunk(" b"), chunk(" c"), chunk(usage={"completion_tokens": 3})]
            return FakeResponse(200, lines=sse(chunks, self.clock))
        return FakeResponse(404)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(clock: Clock) -> Gateway:
    return Gateway(clock)


def checker(gateway: Gateway, clock: Clock, **kwargs: Any) -> EndpointChecker:
    target = Target(
        "https://llm.example.com", [{"name": "team-a", "key": KEY}], ["m1", "m2"], "http://llm.example.com", [REVOKED]
    )
    return EndpointChecker(gateway, target, clock, lambda: NOW, **kwargs)


def by_name(results: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["name"]: r for r in results}


def test_a_correct_endpoint_passes_every_check_and_names_each(gateway: Gateway, clock: Clock) -> None:
    results = checker(gateway, clock).run()
    assert report.failures(results) == []
    names = [r["name"] for r in results]
    assert names == checker(gateway, clock).check_names()
    assert {f"closed {p}" for p in VLLM_PRIVATE_PATHS} <= set(names)
    assert by_name(results)["tls"]["figure"].startswith("issuer Let's Encrypt, expires in ")


def test_every_request_with_a_body_is_json_and_only_get_probes_private_paths(gateway: Gateway, clock: Clock) -> None:
    checker(gateway, clock).run()
    private = [s for s in gateway.sent if any(s[1].endswith(p) for p in VLLM_PRIVATE_PATHS)]
    assert private and {s[0] for s in private} == {"GET"}
    assert len(private) == 2 * len(VLLM_PRIVATE_PATHS)


def test_stream_figures_come_from_the_clock_and_the_usage_chunk(gateway: Gateway, clock: Clock) -> None:
    result = checker(gateway, clock).stream("m1", KEY)
    # The first token arrives 0.1 s after the request, the last chunk 0.3 s later; 3 tokens over 0.3 s.
    assert result["result"] == report.PASS
    assert result["figure"] == "TTFT 0.10s, 10.0 tokens/s, 3 tokens in 0.40s"


@pytest.mark.parametrize(
    ("chunks", "done", "seen"),
    [
        ([chunk("a")], False, "without data: [DONE]"),
        ([chunk(usage={"completion_tokens": 0})], True, "without any token"),
        ([{"object": "chat.completion", "choices": []}], True, "not chat.completion.chunk"),
    ],
)
def test_a_broken_stream_fails_saying_what_was_wrong(gateway: Gateway, clock: Clock, chunks, done, seen) -> None:
    gateway.overrides[("POST", "/v1/chat/completions", KEY)] = FakeResponse(200, lines=sse(chunks, clock, done=done))
    result = checker(gateway, clock).stream("m1", KEY)
    assert result["result"] == report.FAIL
    assert seen in result["detail"]


def test_a_completion_without_the_openai_shape_fails_naming_the_missing_fields(gateway: Gateway, clock: Clock) -> None:
    body = json.dumps({"id": "c", "object": "completion", "model": "m1", "choices": []}).encode()
    gateway.overrides[("POST", "/v1/completions", KEY)] = FakeResponse(200, body)
    result = checker(gateway, clock).completion("m1", KEY)
    assert result["result"] == report.FAIL
    assert "'text_completion'" in result["detail"] and "no choices" in result["detail"] and "usage" in result["detail"]


@pytest.mark.parametrize(
    ("status", "closed"), [(401, True), (403, True), (404, True), (200, False), (204, False), (405, False)]
)
def test_a_private_path_is_closed_unless_it_answers_2xx_or_405(
    gateway: Gateway, clock: Clock, status: int, closed: bool
) -> None:
    gateway.overrides[("GET", "/metrics", KEY)] = FakeResponse(status)
    result = checker(gateway, clock).closed("/metrics", KEY)
    assert (result["result"] == report.PASS) is closed


def test_an_unanswered_request_is_a_failed_check_naming_the_url(gateway: Gateway, clock: Clock) -> None:
    gateway.overrides[("GET", "/v1/models", None)] = TransportError("https://llm.example.com/v1/models", "timed out")
    result = by_name(checker(gateway, clock).run())["no key refused"]
    assert result["result"] == report.FAIL
    assert "no answer from https://llm.example.com/v1/models: timed out" in result["detail"]


def test_a_certificate_that_is_not_trusted_skips_everything_sent_over_https(gateway: Gateway, clock: Clock) -> None:
    gateway.cert_error = TransportError("https://llm.example.com", "certificate not accepted: certificate has expired")
    results = checker(gateway, clock).run()
    assert report.failures(results)[0].startswith("tls: https://llm.example.com is not valid for llm.example.com")
    assert {r["result"] for r in results[2:]} == {report.SKIP}
    assert [s for s in gateway.sent if s[1].startswith("https://")] == []


def test_a_certificate_near_its_end_fails_with_the_days_left(gateway: Gateway, clock: Clock) -> None:
    gateway.cert = dict(gateway.cert, notAfter="Jan  5 00:00:00 2027 GMT")
    days = int((ssl.cert_time_to_seconds("Jan  5 00:00:00 2027 GMT") - NOW) // 86400)
    result = checker(gateway, clock, min_cert_days=days + 1).tls()
    assert result["result"] == report.FAIL and f"expires in {days} days" in result["detail"]
    assert checker(gateway, clock, min_cert_days=days).tls()["result"] == report.PASS


@pytest.mark.parametrize(
    ("status", "location", "ok"),
    [
        (301, "https://llm.example.com/v1/models", True),
        (308, "https://llm.example.com/", True),
        (301, "https://evil.example.net/", False),
        (302, "http://llm.example.com/", False),
        (200, "", False),
    ],
)
def test_plain_http_must_redirect_to_https_on_the_same_host(
    gateway: Gateway, clock: Clock, status, location, ok
) -> None:
    gateway.overrides[("GET", "/v1/models", "*")] = FakeResponse(
        status, headers={"location": location} if location else {}
    )
    assert (checker(gateway, clock).redirect()["result"] == report.PASS) is ok


def test_cold_start_fails_on_a_dropped_first_request_and_prints_time_to_first_byte(
    gateway: Gateway, clock: Clock
) -> None:
    gateway.overrides[("POST", "/v1/completions", KEY)] = FakeResponse(503)
    results = by_name(checker(gateway, clock, cold_models=["m1"]).run())
    assert results["cold start m1"]["result"] == report.FAIL and "answered 503" in results["cold start m1"]["detail"]
    assert results["cold start m2"]["result"] == report.SKIP
    # The cold-start request is the first request that names the model.
    gateway2 = Gateway(clock)
    checker(gateway2, clock, cold_models=["m1"]).run()
    first_model_request = next(s for s in gateway2.sent if s[3] and b'"m1"' in s[3])
    assert first_model_request[1].endswith("/v1/completions") and b'"max_tokens": 1' in first_model_request[3]


def test_a_model_missing_from_the_list_fails_each_key_naming_it(gateway: Gateway, clock: Clock) -> None:
    gateway.overrides[("GET", "/v1/models", KEY)] = FakeResponse(200, json.dumps({"data": [{"id": "m2"}]}).encode())
    result = by_name(checker(gateway, clock).run())["key team-a"]
    assert result["result"] == report.FAIL and "does not list m1" in result["detail"]


def test_no_key_ever_appears_in_a_result_even_when_the_server_echoes_it(gateway: Gateway, clock: Clock) -> None:
    echo = FakeResponse(500, f"bad header Bearer {KEY}; also {REVOKED}".encode())
    gateway.overrides[("POST", "/v1/completions", KEY)] = echo
    gateway.overrides[("POST", "/v1/chat/completions", KEY)] = echo
    results = checker(gateway, clock).run()
    assert report.failures(results)
    text = json.dumps(results)
    assert KEY not in text and REVOKED not in text
    assert "********" in text
