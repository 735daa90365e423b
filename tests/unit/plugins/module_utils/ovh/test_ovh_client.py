"""OvhClient retries 429/5xx with backoff and maps python-ovh errors to OvhApiError messages."""

from __future__ import annotations

import re
from typing import Any

import ovh
import ovh.exceptions as oe
import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.args import auth_problems, build_ovh_client
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
    wrapped = client(ScriptedApi(oe.HTTPError("reset"), ["ok"]))[0]
    assert wrapped.get("/x") == ["ok"]
    wrapped = client(ScriptedApi(oe.HTTPError("reset"), ["ok"]))[0]
    with pytest.raises(OvhApiError, match="could not reach the OVH API"):
        wrapped.post("/x", {})


def auth(**overrides: Any) -> dict[str, Any]:
    params = {"endpoint": "ovh-ca", "application_key": "ak", "application_secret": "as", "consumer_key": "ck"}
    params.update(overrides)
    return params


def test_a_region_name_selects_python_ovh_endpoint_table():
    assert build_ovh_client(ovh, auth())._endpoint == ovh.client.ENDPOINTS["ovh-ca"]


def test_a_url_endpoint_is_used_as_the_base_of_every_call():
    client = build_ovh_client(ovh, auth(endpoint="http://127.0.0.1:8080/1.0/"))
    assert client._endpoint == "http://127.0.0.1:8080/1.0"


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"consumer_key": None}, "missing OVH credentials: consumer_key"),
        ({"endpoint": "kimsufi-eu"}, "neither an OVH region"),
        ({"api_retries": -1}, "api_retries must be 0 or more"),
    ],
)
def test_auth_problems_are_found_before_any_call(overrides, problem):
    assert any(problem in p for p in auth_problems(auth(**overrides)))
    assert auth_problems(auth()) == []
