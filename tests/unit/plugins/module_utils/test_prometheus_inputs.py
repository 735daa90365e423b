"""The prometheus role's inputs: one line per broken rule, each naming the variable to fix."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.prometheus_inputs import metrics_profile, problems
from role_inputs import ReadRecorder, passed_inputs

SERVER_URL = "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090"
GOOD: dict[str, Any] = {
    "prometheus_namespace": "monitoring",
    "prometheus_vllm_namespace": "vllm",
    "prometheus_dcgm_namespace": "gpu-operator",
    "prometheus_release_name": "kube-prometheus-stack",
    "prometheus_vllm_version": "v0.30.0",
    "known_vllm_metrics": {"v0.21.0": ["vllm:num_requests_waiting"], "v0.33.0": ["vllm:num_requests_waiting"]},
    "prometheus_alert_ttft_p95_seconds": 5,
    "prometheus_alert_queue_waiting": 10,
    "prometheus_alert_kv_cache_ratio": 0.9,
    "prometheus_alert_gpu_memory_ratio": 0.97,
    "prometheus_alert_queue_for": "5m",
    "prometheus_alert_no_ready_for": "10m",
    "prometheus_scrape_interval": "15s",
    "prometheus_retention": "15d",
    "prometheus_server_url": SERVER_URL,
    "gpuops_prometheus_url": None,
}


def problems_with(**changes: Any) -> list[str]:
    return problems({**GOOD, **changes})


def test_the_role_defaults_break_no_rule() -> None:
    assert problems(GOOD) == []
    assert problems_with(gpuops_prometheus_url=SERVER_URL) == []


# Each case breaks one rule; the one line it gives names the variable (and the contract variable it defaults to).
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "namespace not a DNS label": ({"prometheus_namespace": "Monitoring"}, "prometheus_namespace"),
    "vLLM namespace not a DNS label": (
        {"prometheus_vllm_namespace": "v_llm"},
        "prometheus_vllm_namespace (gpuops_vllm_namespace)",
    ),
    "DCGM namespace not a DNS label": (
        {"prometheus_dcgm_namespace": "gpu-"},
        "prometheus_dcgm_namespace (gpuops_gpu_operator_namespace)",
    ),
    "release name the chart would truncate": ({"prometheus_release_name": "a" * 27}, "prometheus_release_name"),
    "release name starting with a digit": ({"prometheus_release_name": "1prom"}, "prometheus_release_name"),
    "vLLM older than the metric names": ({"prometheus_vllm_version": "v0.8.3"}, "prometheus_vllm_version"),
    "vLLM version not a release tag": ({"prometheus_vllm_version": "latest"}, "prometheus_vllm_version"),
    "vLLM version without a metric list": (
        {"known_vllm_metrics": {"v0.33.0": []}, "prometheus_vllm_version": "v0.30.0"},
        "prometheus_vllm_version",
    ),
    "time to first token of zero": ({"prometheus_alert_ttft_p95_seconds": 0}, "prometheus_alert_ttft_p95_seconds"),
    "negative queue": ({"prometheus_alert_queue_waiting": -1}, "prometheus_alert_queue_waiting"),
    "KV cache ratio as a percentage": ({"prometheus_alert_kv_cache_ratio": 90}, "prometheus_alert_kv_cache_ratio"),
    "KV cache ratio of zero": ({"prometheus_alert_kv_cache_ratio": 0}, "prometheus_alert_kv_cache_ratio"),
    "GPU memory ratio above one": ({"prometheus_alert_gpu_memory_ratio": 1.5}, "prometheus_alert_gpu_memory_ratio"),
    "GPU memory ratio not a number": (
        {"prometheus_alert_gpu_memory_ratio": "high"},
        "prometheus_alert_gpu_memory_ratio",
    ),
    "queue duration in words": ({"prometheus_alert_queue_for": "5 minutes"}, "prometheus_alert_queue_for"),
    "no-ready duration without a unit": ({"prometheus_alert_no_ready_for": "600"}, "prometheus_alert_no_ready_for"),
    "scrape interval in Go's 1.5s form": ({"prometheus_scrape_interval": "1.5s"}, "prometheus_scrape_interval"),
    "retention empty": ({"prometheus_retention": ""}, "prometheus_retention"),
    "contract URL another Prometheus's": (
        {"gpuops_prometheus_url": "http://other-prometheus.monitoring.svc.cluster.local:9090"},
        "gpuops_prometheus_url",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_broken_rule_gives_one_line_naming_its_variable(case: str) -> None:
    changes, variable = BROKEN[case]
    [line] = problems_with(**changes)
    assert line.startswith(variable) or f" {variable} " in line, line


def test_the_edges_of_each_range_are_accepted() -> None:
    assert problems_with(prometheus_alert_kv_cache_ratio=1, prometheus_alert_gpu_memory_ratio="1.0") == []
    assert problems_with(prometheus_alert_queue_waiting=0, prometheus_alert_ttft_p95_seconds="0.5") == []
    assert problems_with(prometheus_release_name="a" * 26) == []
    assert problems_with(prometheus_vllm_version="0.21.0", prometheus_retention="1y2w3d4h5m6s7ms") == []


def test_several_broken_rules_give_one_line_each() -> None:
    found = problems_with(prometheus_namespace="", prometheus_alert_kv_cache_ratio=2, prometheus_retention="forever")

    assert len(found) == 3
    assert found[0].startswith("prometheus_namespace must be a DNS-1123 label")
    assert "prometheus_alert_kv_cache_ratio must be a ratio in (0, 1], got 2" in found[1]
    assert found[2].startswith("prometheus_retention must be a Prometheus duration")


def test_the_message_quotes_the_value_that_broke_the_rule() -> None:
    [line] = problems_with(prometheus_vllm_version="v0.8.3")
    assert line == (
        "prometheus_vllm_version (defaults to gpuops_vllm_version) must be a vLLM release tag of v0.21.0 or later "
        "(metric names changed before), got 'v0.8.3'"
    )


@pytest.mark.parametrize(
    ("tag", "profile"),
    [("v0.21.0", "v0.21.0"), ("v0.32.9", "v0.21.0"), ("v0.33.0", "v0.33.0"), ("0.40.1-cu128", "v0.33.0")],
)
def test_a_release_gets_the_newest_metric_list_not_newer_than_itself(tag: str, profile: str) -> None:
    assert metrics_profile(tag, ["v0.21.0", "v0.33.0"]) == profile


def test_a_release_before_every_metric_list_gets_none() -> None:
    assert metrics_profile("v0.20.9", ["v0.21.0", "v0.33.0"]) is None
    assert metrics_profile("nightly", ["v0.21.0"]) is None


def test_the_role_passes_exactly_the_inputs_the_rules_read() -> None:
    """Every rule on (the optional ones enabled): a key the role forgets, or passes for nothing, fails here."""
    inputs = ReadRecorder({**GOOD, "gpuops_prometheus_url": SERVER_URL})

    assert problems(inputs) == []
    assert inputs.read == set(GOOD) == passed_inputs("prometheus")
