"""The keda role's custom resources: what KEDA and the HTTP add-on read from them, checked against upstream CRDs."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml
from role_render import render_documents, role_value, validate_against_crd

from tests.harness.chart_values import unknown_keys
from tests.harness.upstream import upstream_dir

UPSTREAM = upstream_dir()
needs_upstream = pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent")
MODELS = [{"name": "llama31-8b"}, {"name": "qwen3-4b", "keda": {"min_replicas": 1, "max_replicas": 4, "threshold": 8}}]
ALL_ON = {"gpuops_models": MODELS, "keda_cron_enabled": True, "keda_http_addon_enabled": True}


def _validate(document: dict[str, Any], crd_path: str) -> None:
    assert UPSTREAM is not None
    validate_against_crd(document, UPSTREAM / crd_path)


def _by_name(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents}


def test_one_scaledobject_per_model_with_the_role_settings() -> None:
    objects = _by_name(render_documents("keda", "scaledobjects.yaml.j2", {"gpuops_models": MODELS}))
    assert set(objects) == {"vllm-llama31-8b", "vllm-qwen3-4b"}
    first, second = objects["vllm-llama31-8b"]["spec"], objects["vllm-qwen3-4b"]["spec"]
    assert first["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "vllm-llama31-8b"}
    assert (first["minReplicaCount"], first["maxReplicaCount"]) == (0, 2)
    assert (second["minReplicaCount"], second["maxReplicaCount"]) == (1, 4)
    assert (first["cooldownPeriod"], first["pollingInterval"]) == (300, 15)
    assert first["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"] == {
        "stabilizationWindowSeconds": 600
    }
    (queue,) = first["triggers"]
    assert queue["type"] == "prometheus"
    assert queue["metadata"]["threshold"] == "5" and queue["metadata"]["activationThreshold"] == "0"
    assert second["triggers"][0]["metadata"]["threshold"] == "8"


def test_the_scaler_queries_the_prometheus_of_the_prometheus_role() -> None:
    assert role_value("keda", "keda_prometheus_server_address") == role_value("prometheus", "prometheus_server_url")
    custom = {"prometheus_release_name": "kps", "prometheus_namespace": "observability"}
    # The inventory names the address once (gpuops_prometheus_url); keda queries it.
    contract = {"gpuops_prometheus_url": role_value("prometheus", "prometheus_server_url", custom)}
    assert role_value("keda", "keda_prometheus_server_address", contract) == contract["gpuops_prometheus_url"]


def test_business_hours_add_a_cron_trigger_in_the_given_zone() -> None:
    overrides = {
        "gpuops_models": MODELS[:1],
        "keda_cron_enabled": True,
        "keda_cron_timezone": "America/New_York",
        "keda_cron_days": "1-4",
        "keda_cron_start": "07:30",
        "keda_cron_end": "19:05",
        "keda_cron_replicas": 2,
    }
    (scaled,) = render_documents("keda", "scaledobjects.yaml.j2", overrides)
    cron = next(t for t in scaled["spec"]["triggers"] if t["type"] == "cron")
    assert cron["metadata"] == {
        "timezone": "America/New_York",
        "start": "30 7 * * 1-4",
        "end": "5 19 * * 1-4",
        "desiredReplicas": "2",
    }


def test_the_http_addon_wakes_each_model_through_its_own_httpscaledobject() -> None:
    scaled = _by_name(render_documents("keda", "scaledobjects.yaml.j2", ALL_ON))
    http = _by_name(render_documents("keda", "httpscaledobjects.yaml.j2", ALL_ON))
    assert set(http) == {"vllm-llama31-8b-http", "vllm-qwen3-4b-http"}
    for model in MODELS:
        name = model["name"]
        push = next(t for t in scaled[f"vllm-{name}"]["spec"]["triggers"] if t["type"] == "external-push")
        assert push["metadata"]["httpScaledObject"] == f"vllm-{name}-http"
        assert push["metadata"]["scalerAddress"] == "keda-add-ons-http-external-scaler.keda:9090"
        hso = http[f"vllm-{name}-http"]
        # Without this annotation the add-on would create a second ScaledObject for the same Deployment.
        assert hso["metadata"]["annotations"]["httpscaledobject.keda.sh/skip-scaledobject-creation"] == "true"
        # The routes role rewrites the Host of each model's route to vllm-<name>.<namespace>.
        assert f"vllm-{name}.vllm" in hso["spec"]["hosts"]
        assert hso["spec"]["scaleTargetRef"]["service"] == f"vllm-{name}"
        assert hso["spec"]["timeouts"]["conditionWait"] == "600s"


@needs_upstream
@pytest.mark.upstream
def test_the_custom_resources_validate_against_the_upstream_crds() -> None:
    for document in render_documents("keda", "scaledobjects.yaml.j2", ALL_ON):
        _validate(document, "keda/v2.20.2/keda.sh_scaledobjects.yaml")
    for document in render_documents("keda", "httpscaledobjects.yaml.j2", ALL_ON):
        _validate(document, "keda-http-add-on/v0.15.0/http.keda.sh_httpscaledobjects.yaml")
    broken = render_documents("keda", "scaledobjects.yaml.j2", ALL_ON)[0]
    broken["spec"]["minReplicas"] = 0
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken, "keda/v2.20.2/keda.sh_scaledobjects.yaml")


@needs_upstream
@pytest.mark.upstream
def test_the_http_addon_values_exist_in_the_pinned_chart() -> None:
    assert UPSTREAM is not None
    upstream = yaml.safe_load((UPSTREAM / "keda-charts/v2.20.2/http-add-on/values.yaml").read_text(encoding="utf-8"))
    values = role_value("keda", "__keda_http_values")
    assert unknown_keys(values, upstream) == []
    assert values["interceptor"]["readinessTimeout"] == "600s"
