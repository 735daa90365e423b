"""endpoint_check and prometheus_check as modules: real HTTP against the loopback fakes, keys masked."""

from __future__ import annotations

import json
from pathlib import Path

from ansible_collections.gpuops.llm_inference.plugins.modules import endpoint_check, prometheus_check

from tests.harness.openai_endpoint import Misconfig, OpenAIEndpoint
from tests.harness.openai_endpoint.server import Settings
from tests.harness.ovh_fake.modules import run_module
from tests.harness.prometheus_fake import PrometheusFake

KEY = "module-test-key-5f4e3d2c1b0a"


def args(endpoint: OpenAIEndpoint, **extra) -> dict:
    return {
        "url": endpoint.url,
        "http_url": endpoint.http_url,
        "api_keys": [{"name": "team-a", "key": KEY}],
        "models": ["m1"],
        "ca_path": str(endpoint.ca_path),
        **extra,
    }


def test_checks_a_misconfigured_endpoint_without_failing_and_never_returns_a_key(tmp_path: Path, capsys) -> None:
    with OpenAIEndpoint(Settings([KEY], ["m1"], misconfig=Misconfig.METRICS_EXPOSED), tmp_path) as endpoint:
        result = run_module(endpoint_check, args(endpoint), capsys, check=True)
    assert result.get("failed") is not True
    assert result["failed_checks"] == ["closed /metrics"]
    assert KEY not in json.dumps(result)


def test_bad_inputs_fail_before_any_request(tmp_path: Path, capsys) -> None:
    with OpenAIEndpoint(Settings([KEY], ["m1"]), tmp_path) as endpoint:
        result = run_module(endpoint_check, args(endpoint, api_keys=[], models=[]), capsys)
        sent = endpoint.requests
    assert result["failed"] is True
    assert "routes_api_keys is empty" in result["msg"] and "vllm_models is empty" in result["msg"]
    assert sent == []


def test_validate_only_sends_nothing(tmp_path: Path, capsys) -> None:
    with OpenAIEndpoint(Settings([KEY], ["m1"]), tmp_path) as endpoint:
        result = run_module(endpoint_check, args(endpoint, validate_only=True), capsys)
        assert endpoint.requests == []
    assert result["checks"] == [] and result["changed"] is False


def test_prometheus_check_reports_both_checks(capsys) -> None:
    rules = [{"spec": {"groups": [{"rules": [{"alert": "A1"}, {"alert": "A2"}]}]}}]
    with PrometheusFake(["llama"], ["A1"]) as prom:
        result = run_module(prometheus_check, {"url": prom.url, "models": ["llama"], "rules": rules}, capsys)
    assert [(c["name"], c["result"]) for c in result["checks"]] == [
        ("prometheus vllm:num_requests_waiting", "pass"),
        ("prometheus alert rules", "fail"),
    ]
