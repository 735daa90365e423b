"""The vLLM dashboard is Grafana JSON the sidecar can load, and the chart values select every monitor and rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from role_render import ROLES, render_documents, role_value

from tests.harness.chart_values import unknown_keys
from tests.harness.upstream import upstream_dir

DASHBOARD_FILE = ROLES / "prometheus" / "files" / "vllm-dashboard.json"
UPSTREAM = upstream_dir()


def _dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))


def _values(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    return role_value("prometheus", "__prometheus_values | combine(prometheus_helm_values, recursive=True)", overrides)


def test_the_dashboard_has_the_structure_grafana_needs() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] and dashboard["title"]
    assert isinstance(dashboard["schemaVersion"], int)
    assert "id" not in dashboard or dashboard["id"] is None  # a fixed id would clash with Grafana's own
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)) and all(target["expr"] for target in panel["targets"])
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert {"namespace", "model"} <= set(variables)


def test_the_dashboard_shows_what_operators_need() -> None:
    panels = {panel["title"]: " ".join(t["expr"] for t in panel["targets"]) for panel in _dashboard()["panels"]}
    wanted = {
        "Running and waiting requests": ["vllm:num_requests_running", "vllm:num_requests_waiting"],
        "Time to first token (p50 / p95 / p99)": [
            "histogram_quantile(0.50",
            "histogram_quantile(0.95",
            "histogram_quantile(0.99",
            "vllm:time_to_first_token_seconds",
        ],
        "Tokens per second": ["rate(vllm:generation_tokens_total"],
        "KV cache usage": ["vllm:kv_cache_usage_perc"],
        "GPU utilisation": ["DCGM_FI_DEV_GPU_UTIL"],
        "GPU memory": ["DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE"],
    }
    for title, fragments in wanted.items():
        for fragment in fragments:
            assert fragment in panels[title], (title, fragment)


def test_the_configmap_carries_the_dashboard_with_the_sidecar_label() -> None:
    (configmap,) = render_documents("prometheus", "dashboard_configmap.yaml.j2")
    sidecar = _values()["grafana"]["sidecar"]["dashboards"]
    assert configmap["metadata"]["labels"][sidecar["label"]] == sidecar["labelValue"] == "1"
    assert sidecar["searchNamespace"] == "ALL"
    # Grafana legends like {{model}} must reach Grafana untouched by Ansible's templating.
    assert json.loads(configmap["data"]["vllm.json"]) == _dashboard()


def test_every_monitor_and_rule_in_the_cluster_is_selected() -> None:
    spec = _values()["prometheus"]["prometheusSpec"]
    for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"):
        assert spec[f"{kind}SelectorNilUsesHelmValues"] is False, kind


def test_the_prometheus_url_follows_the_release_name() -> None:
    url = role_value(
        "prometheus", "prometheus_server_url", {"prometheus_release_name": "kps", "prometheus_namespace": "obs"}
    )
    assert url == "http://kps-prometheus.obs.svc.cluster.local:9090"
    assert _values({"prometheus_release_name": "kps"})["fullnameOverride"] == "kps"


def test_user_values_are_merged_over_the_role_values() -> None:
    values = _values({"prometheus_helm_values": {"prometheus": {"prometheusSpec": {"replicas": 2}}}})
    assert values["prometheus"]["prometheusSpec"]["replicas"] == 2
    assert values["prometheus"]["prometheusSpec"]["ruleSelectorNilUsesHelmValues"] is False


@pytest.mark.upstream
@pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent")
def test_every_value_key_exists_in_the_pinned_chart() -> None:
    assert UPSTREAM is not None
    version = role_value("prometheus", "prometheus_chart_version")
    upstream = yaml.safe_load(
        (UPSTREAM / "kube-prometheus-stack" / version / "values.yaml").read_text(encoding="utf-8")
    )
    assert unknown_keys(_values(), upstream) == []
    assert unknown_keys({"grafana": {"sidecar": {"dashboards": {"labelz": "x"}}}}, upstream) != []
