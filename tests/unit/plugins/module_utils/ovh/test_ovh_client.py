"""OvhClient retries 429/5xx with backoff and maps python-ovh errors to OvhApiError messages."""

from __future__ import annotations

import re
from typing import Any

import ovh.exceptions as oe
import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.client import OvhClient
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.errors import OvhApiError


class Response:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self._body = body
        self.headers: dict[str, str] = {}

    def json(self) -> dict[str, Any]:
        return self._body


def failure(cls: type[oe.APIError], status: int, message: str, code: str | None = None) -> oe.APIError:
    body = {"message": message}
    if code:
        body["errorCode"] = code
    return cls(message, response=Response(status, body))


class ScriptedApi:
    """Answers each call with the next scripted outcome (an exception or a value)."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, str]] = []

    def call(self, method: str, path: str, data: Any = None) -> Any:
        self.calls.append((method, path))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def client(api: ScriptedApi, retries: int = 3) -> tuple[OvhClient, list[float]]:
    sleeps: list[float] = []
    return OvhClient(api, retries=retries, sleep=sleeps.append, network_errors=(oe.HTTPError,)), sleeps


def test_429_and_5xx_are_retried_with_exponential_backoff():
    api = ScriptedApi(failure(oe.APIError, 429, "slow"), failure(oe.APIError, 502, "gw"), ["ok"])
    wrapped, sleeps = client(api)
    assert wrapped.get("/x") == ["ok"]
    assert sleeps == [1.0, 2.0]


def test_gives_up_after_the_configured_retries():
    api = ScriptedApi(*[failure(oe.APIError, 500, "boom")] * 3)
    wrapped, sleeps = client(api, retries=2)
    with pytest.raises(OvhApiError, match="still failing after 2 retries") as caught:
        wrapped.get("/x", what="list pools")
    assert caught.value.status == 500
    assert str(caught.value).startswith("Failed to list pools:")
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (failure(oe.BadParametersError, 400, "bad"), "rejected the request as invalid (HTTP 400): bad"),
        (failure(oe.InvalidCredential, 403, "nope", "INVALID_CREDENTIAL"), "refused the credentials"),
        (failure(oe.NotGrantedCall, 403, "nope", "NOT_GRANTED_CALL"), "refused the credentials (NOT_GRANTED_CALL)"),
        (failure(oe.ResourceNotFoundError, 404, "gone"), "check service_name and kube_id"),
        (failure(oe.ResourceConflictError, 409, "busy"), "conflict"),
    ],
)
def test_client_errors_are_not_retried_and_get_a_clear_message(error, text):
    api = ScriptedApi(error)
    wrapped, sleeps = client(api)
    with pytest.raises(OvhApiError, match=re.escape(text)):
        wrapped.put("/x", {})
    assert sleeps == []


def test_network_errors_are_retried_for_reads_but_not_for_creates():
    wrapped, _ = client(ScriptedApi(oe.HTTPError("reset"), ["ok"]))
    assert wrapped.get("/x") == ["ok"]
    wrapped, _ = client(ScriptedApi(oe.HTTPError("reset"), ["ok"]))
    with pytest.raises(OvhApiError, match="could not reach the OVH API"):
        wrapped.post("/x", {})
