"""Every PromQL expression the roles ship parses, uses only known metric names, and selects by namespace and model.

Covers the PrometheusRule alerts, the Grafana dashboard panels and the KEDA scaler queries: the three must agree on
the labels that identify a model (``namespace`` from Prometheus, ``model`` from the vLLM ServiceMonitor), or an alert
would fire for series the dashboard cannot show and KEDA would scale on series that do not exist.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from role_render import (
    ROLES,
    aggregation_labels,
    allowed_series,
    matchers,
    render_documents,
    role_value,
    vector_selectors,
)

MODELS = [{"name": "llama31-8b", "served_model_name": "llama-3.1-8b-instruct"}, {"name": "qwen3-4b"}]
NAMESPACE = "inference"
# Grafana variables replaced by plausible values so the panel queries can be parsed as plain PromQL.
GRAFANA_VARIABLES = {
    "${model:regex}": "llama31-8b",
    "$__rate_interval": "5m",
    "$namespace": NAMESPACE,
}


def _rules(overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    (rule,) = render_documents(
        "prometheus", "prometheusrule_vllm.yaml.j2", {"gpuops_vllm_namespace": NAMESPACE, **(overrides or {})}
    )
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def _dashboard_expressions(with_variables: bool = True) -> list[str]:
    """Panel queries, and (with_variables) the series behind the label_values() of the template variables."""
    dashboard = json.loads((ROLES / "prometheus" / "files" / "vllm-dashboard.json").read_text(encoding="utf-8"))
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    if with_variables:
        expressions += [
            re.sub(r"^label_values\((.*), *\w+\)$", r"\1", v["definition"])
            for v in dashboard["templating"]["list"]
            if v["type"] == "query"
        ]
    return [_substitute(e) for e in expressions]


def _substitute(expression: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expression = expression.replace(variable, value)
    assert "$" not in expression.replace('"$1"', ""), f"unreplaced Grafana variable in {expression}"
    return expression


def _scaler_queries(overrides: dict[str, Any] | None = None) -> dict[str, str]:
    documents = render_documents(
        "keda",
        "scaledobjects.yaml.j2",
        {"gpuops_models": MODELS, "gpuops_vllm_namespace": NAMESPACE, **(overrides or {})},
    )
    return {
        doc["metadata"]["labels"]["app.kubernetes.io/instance"]: trigger["metadata"]["query"]
        for doc in documents
        for trigger in doc["spec"]["triggers"]
        if trigger["type"] == "prometheus"
    }


def test_the_rules_cover_the_five_required_alerts() -> None:
    assert {r["alert"] for r in _rules()} == {
        "VllmTimeToFirstTokenHigh",
        "VllmKvCacheNearlyFull",
        "VllmRequestQueueSustained",
        "VllmNoReadyReplica",
        "GpuMemoryNearlyFull",
    }


@pytest.mark.parametrize("image_tag", ["v0.21.0", "v0.30.0", "v0.33.0"])
def test_every_expression_parses_and_uses_only_metrics_of_the_pinned_versions(image_tag: str) -> None:
    profile = role_value("prometheus", "__prometheus_vllm_metrics_profile", {"gpuops_vllm_version": image_tag})
    allowed = allowed_series(profile)
    expressions = [r["expr"] for r in _rules({"gpuops_vllm_version": image_tag})]
    expressions += _dashboard_expressions() + list(_scaler_queries().values())
    for expression in expressions:
        names = {selector.name for selector in vector_selectors(expression)}
        assert names, f"no metric in {expression}"
        assert names <= allowed, f"unknown metric(s) {sorted(names - allowed)} in {expression}"


def test_renamed_vllm_metrics_are_not_used_anywhere() -> None:
    shipped = "\n".join([json.dumps(_rules()), *_dashboard_expressions(), *_scaler_queries().values()])
    for gone in ("vllm:gpu_cache_usage_perc", "vllm:gpu_prefix_cache", "vllm:time_per_output_token_seconds"):
        assert gone not in shipped


def _profile(tag: str) -> str:
    return role_value("prometheus", "__prometheus_vllm_metrics_profile", {"gpuops_vllm_version": tag})


def test_the_metric_list_picked_follows_the_vllm_image() -> None:
    assert (
        role_value("prometheus", "__prometheus_vllm_metrics_profile", {"gpuops_vllm_version": "v0.21.0"}) == "v0.21.0"
    )
    assert (
        role_value("prometheus", "__prometheus_vllm_metrics_profile", {"gpuops_vllm_version": "v0.32.9"}) == "v0.21.0"
    )
    assert (
        role_value("prometheus", "__prometheus_vllm_metrics_profile", {"gpuops_vllm_version": "v0.33.0"}) == "v0.33.0"
    )
    # Both roles follow gpuops_vllm_version, and fall back to the same pinned tag without it.
    assert role_value("prometheus", "prometheus_vllm_version") == role_value("vllm", "vllm_image_tag")
    for tag in ("v0.31.0", "v0.33.0"):
        assert role_value("prometheus", "prometheus_vllm_version", {"gpuops_vllm_version": tag}) == tag
        assert role_value("vllm", "vllm_image_tag", {"gpuops_vllm_version": tag}) == tag


def test_alerts_select_the_vllm_namespace_and_keep_the_model_label() -> None:
    for rule in _rules():
        for selector in vector_selectors(rule["expr"]):
            assert matchers(selector).get("namespace") == ("=", NAMESPACE), (rule["alert"], selector.name)
        # Either an aggregation keeps `model`, or label_replace derives it from the Deployment or pod name.
        keeps_model = any("model" in labels for labels in aggregation_labels(rule["expr"]))
        derives_model = "label_replace(" in rule["expr"] and '"model"' in rule["expr"]
        assert keeps_model or derives_model, rule["alert"]
        assert (
            "{{ $labels.model }}" in rule["annotations"]["description"]
            or "{{ $labels.pod }}" in rule["annotations"]["description"]
        ), rule["alert"]


def test_dashboard_panels_select_by_namespace_and_model() -> None:
    for expression in _dashboard_expressions(with_variables=False):
        for selector in vector_selectors(expression):
            labels = matchers(selector)
            assert labels.get("namespace") == ("=", NAMESPACE), expression
            if selector.name.startswith("vllm:"):
                assert labels.get("model", ("", ""))[0] == "=~", expression
            if selector.name.startswith("DCGM_"):
                # DCGM series name the GPU's pod; vLLM pods are vllm-<model>-<replicaset>-<suffix>.
                operator, pattern = labels["pod"]
                assert operator == "=~"
                assert re.fullmatch(pattern, "vllm-llama31-8b-7d9f8c6b5-abcde")
                assert not re.fullmatch(pattern, "vllm-qwen3-4b-7d9f8c6b5-abcde")


def test_scaler_queries_select_each_model_by_namespace_and_model() -> None:
    queries = _scaler_queries()
    assert set(queries) == {m["name"] for m in MODELS}
    for model, query in queries.items():
        (selector,) = vector_selectors(query)
        assert selector.name == "vllm:num_requests_waiting"
        assert matchers(selector) == {"namespace": ("=", NAMESPACE), "model": ("=", model)}


def test_the_model_label_comes_from_the_label_the_vllm_services_carry() -> None:
    (monitor,) = render_documents("prometheus", "servicemonitor_vllm.yaml.j2", {"gpuops_vllm_namespace": NAMESPACE})
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [NAMESPACE]
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    relabel = next(r for r in endpoint["relabelings"] if r["targetLabel"] == "model")
    # app.kubernetes.io/instance=<name> on the Service becomes model=<name>, which the queries above match.
    assert relabel["sourceLabels"] == ["__meta_kubernetes_service_label_app_kubernetes_io_instance"]
    assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "vllm"


def test_alert_thresholds_follow_the_role_variables() -> None:
    rules = {
        r["alert"]: r
        for r in _rules({"prometheus_alert_ttft_p95_seconds": 2.5, "prometheus_alert_kv_cache_ratio": 0.8})
    }
    assert rules["VllmTimeToFirstTokenHigh"]["expr"].rstrip().endswith("> 2.5")
    assert "histogram_quantile(0.95" in rules["VllmTimeToFirstTokenHigh"]["expr"]
    assert rules["VllmKvCacheNearlyFull"]["expr"].rstrip().endswith("> 0.8")


def test_the_vllm_monitor_selects_the_services_the_vllm_role_makes() -> None:
    (monitor,) = render_documents("prometheus", "servicemonitor_vllm.yaml.j2")
    service_labels = {
        **role_value("vllm", "__vllm_common_labels"),
        **role_value("vllm", "__vllm_instance_labels", {"__vllm_model": {"name": "llama31-8b"}}),
    }
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service_labels.items()
    assert service_labels["app.kubernetes.io/instance"] == "llama31-8b"
