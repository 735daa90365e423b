"""Input checks (before any request) and the in-cluster decisions of verify.yml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.filter.verify import (
    verify_cluster_checks,
    verify_cold_models,
    verify_summary,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify import report
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.cluster import PrometheusChecker, alert_names
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.errors import VerifyInputError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.inputs import Target, input_errors, prepare

KEYS = [{"name": "team-a", "key": "k-a"}]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": ""}, "set routes_hostname (the deployed host name) or verify_url"),
        ({"url": "http://llm.example.com"}, "verify_url must be an https:// URL"),
        ({"url": "https://llm.example.com/v1"}, "without a path"),
        ({"http_url": "https://llm.example.com"}, "verify_http_url must be an http:// URL"),
        ({"api_keys": []}, "routes_api_keys is empty"),
        ({"api_keys": [{"name": "a", "from_secret": {"name": "s"}}]}, "entry 'a' has no key"),
        ({"api_keys": KEYS + KEYS}, "names must be unique, repeated: team-a"),
        ({"revoked_keys": ["k-a"]}, "verify_revoked_keys entry 0 is also a key in routes_api_keys"),
        ({"ca_path": "/nonexistent/ca.pem"}, "verify_ca_path /nonexistent/ca.pem is not a readable file"),
        ({"models": []}, "vllm_models is empty"),
    ],
)
def test_bad_inputs_are_named_by_their_playbook_variable(kwargs: dict[str, Any], message: str) -> None:
    args = {"url": "https://llm.example.com", "api_keys": KEYS, "models": ["m1"], **kwargs}
    with pytest.raises(
        VerifyInputError, match="Failed to verify the endpoint: .*" + message.replace("(", r"\(").replace(")", r"\)")
    ):
        prepare(Target(**args))


def test_a_ca_file_that_is_not_pem_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    assert input_errors(Target("https://h.example", KEYS, ["m"], ca_path=str(bogus)))[0].startswith(
        f"verify_ca_path {bogus} is not a PEM CA bundle"
    )


def test_no_error_message_quotes_a_key() -> None:
    target = Target(
        "http://x", [{"name": "a", "key": "SECRET1"}, {"name": "a", "key": "SECRET2"}], [], revoked_keys=["SECRET1"]
    )
    text = " ".join(input_errors(target))
    assert "SECRET" not in text


def test_the_plain_http_url_defaults_to_the_host_of_the_base_url() -> None:
    assert prepare(Target("https://llm.example.com:8443", KEYS, ["m"])).http_url == "http://llm.example.com"


def deployment(name: str, replicas: int, available: str | None = "True") -> dict[str, Any]:
    status: dict[str, Any] = {"readyReplicas": replicas}
    if available is not None:
        status["conditions"] = [{"type": "Available", "status": available, "reason": "MinimumReplicasUnavailable"}]
    return {"metadata": {"name": name}, "spec": {"replicas": replicas}, "status": status}


def ready(name: str, status: str | None) -> dict[str, Any]:
    conds = [] if status is None else [{"type": "Ready", "status": status, "reason": "ScaledObjectReady"}]
    return {"metadata": {"name": name}, "status": {"conditions": conds}}


MODELS = [{"name": "a", "served_model_name": "served-a"}, {"name": "b", "served_model_name": "served-b"}]


def test_cluster_checks_pass_only_objects_that_exist_with_their_condition_true() -> None:
    rows = verify_cluster_checks(
        MODELS,
        [deployment("vllm-a", 1), deployment("vllm-b", 1, "False")],
        scaledobjects=[ready("vllm-a", "True"), ready("vllm-b", None)],
        httpscaledobjects=[ready("vllm-a-http", "True")],
        certificates=[ready("llm-gateway", "True")],
        certificate_name="llm-gateway",
        certificate_namespace="llm-gateway",
    )
    results = {r["name"]: r["result"] for r in rows}
    assert results == {
        "deployment vllm-a": "pass",
        "deployment vllm-b": "fail",
        "scaledobject vllm-a": "pass",
        "scaledobject vllm-b": "fail",
        "httpscaledobject vllm-a-http": "pass",
        "httpscaledobject vllm-b-http": "fail",
        "certificate llm-gateway": "pass",
    }
    failures = verify_summary(rows)["failures"]
    assert "deployment vllm-b: not Available (False - MinimumReplicasUnavailable), 1/1 ready" in failures
    assert "scaledobject vllm-b: not Ready (no condition yet)" in failures
    assert "httpscaledobject vllm-b-http: not found in namespace vllm" in failures


def test_checks_for_parts_not_deployed_are_left_out() -> None:
    rows = verify_cluster_checks(MODELS[:1], [deployment("vllm-a", 0)])
    assert [(r["name"], r["figure"]) for r in rows] == [("deployment vllm-a", "scaled to zero")]


def test_cold_models_are_the_served_names_of_deployments_at_zero() -> None:
    assert verify_cold_models(MODELS, [deployment("vllm-a", 0), deployment("vllm-b", 2)]) == ["served-a"]
    assert verify_cold_models(MODELS, []) == []


def test_the_summary_table_aligns_columns_and_lists_failures() -> None:
    rows = [report.passed("tls", "issuer X"), report.failed("closed /metrics", "GET /metrics answered 200")]
    summary = verify_summary(rows)
    assert summary["failed"] is True
    assert summary["table"][0].split() == ["CHECK", "RESULT", "FIGURE"]
    assert len({line.index(line.split()[-1]) for line in summary["table"][1:2]}) == 1
    assert summary["failures"] == ["closed /metrics: GET /metrics answered 200"]
    assert verify_summary([report.passed("tls")])["failed"] is False


class PromOpener:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers, self.urls = answers, []

    def open(self, method, url, headers=None, body=None, timeout=None):
        self.urls.append(url)
        path = url.split("9090", 1)[1].split("?")[0]
        status, payload = self.answers[path]

        class R:
            def __init__(self) -> None:
                self.status, self.headers = status, {}

            def read(self) -> bytes:
                return json.dumps(payload).encode()

            def close(self) -> None:
                pass

        return R()


RULES = [
    {"spec": {"groups": [{"rules": [{"alert": "A1", "expr": "x"}, {"record": "r"}]}, {"rules": [{"alert": "A2"}]}]}}
]


def test_prometheus_needs_a_series_per_model_and_every_alert_loaded() -> None:
    opener = PromOpener(
        {
            "/api/v1/query": (200, {"status": "success", "data": {"result": [{"metric": {"model": "a"}}]}}),
            "/api/v1/rules": (200, {"status": "success", "data": {"groups": [{"rules": [{"name": "A1"}]}]}}),
        }
    )
    checker = PrometheusChecker(opener, "http://localhost:9090")
    assert alert_names(RULES) == ["A1", "A2"]
    series = checker.series(["a", "b"], "vllm", "1h")
    assert series["result"] == "fail" and "no series in the last 1h for model b" in series["detail"]
    assert "vllm%3Anum_requests_waiting" in opener.urls[0] and "namespace%3D%22vllm%22" in opener.urls[0]
    rules = checker.rules(alert_names(RULES))
    assert rules["result"] == "fail" and rules["detail"] == "Prometheus has not loaded A2"
    assert checker.rules([])["detail"] == "no PrometheusRule of the collection found in the cluster"
    assert checker.series(["a"], "vllm", "1h")["result"] == "pass"


def test_a_prometheus_error_is_a_failed_check_naming_the_url() -> None:
    opener = PromOpener({"/api/v1/query": (503, {}), "/api/v1/rules": (200, {"status": "error", "error": "bad"})})
    checker = PrometheusChecker(opener, "http://localhost:9090")
    assert "GET http://localhost:9090/api/v1/query?" in checker.series(["a"], "vllm", "1h")["detail"]
    assert "status error: bad" in checker.rules(["A1"])["detail"]
