"""The routes role's inputs: one line per broken rule, naming the variable; no line quotes a key value."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.routes_inputs import problems
from role_inputs import ReadRecorder, passed_inputs

KEY = "k" * 32
GOOD: dict[str, Any] = {
    "routes_enabled": True,
    "routes_namespace": "llm-gateway",
    "routes_vllm_namespace": "vllm",
    "routes_authorino_operator_namespace": "authorino-operator",
    "routes_gateway_name": "llm-gateway",
    "routes_tls_secret_name": "llm-gateway-tls",
    "routes_authz_provider_name": "authorino",
    "routes_vllm_ingress_allowed_namespaces": ["monitoring"],
    "routes_hostname": "llm.example.org",
    "routes_cluster_issuer": "letsencrypt-staging",
    "gpuops_cluster_issuers": ["letsencrypt-staging", "letsencrypt-production"],
    "routes_cold_start_budget_seconds": 360,
    "routes_stream_budget_seconds": 3600,
    "routes_request_timeout_seconds": "3960",
    "routes_exposed_paths": [
        "/v1/models",
        "/v1/chat/completions",
        "/v1/completions",
        "/v1/embeddings",
        "/v1/responses",
    ],
    "routes_models": [{"name": "llama31-8b", "served_model_name": "llama"}, {"name": "qwen3-8b"}],
    "routes_default_model": "",
    "routes_via_keda_interceptor": False,
    "routes_keda_interceptor_service": "keda-add-ons-http-interceptor-proxy",
    "routes_keda_interceptor_namespace": "keda",
    "routes_keda_interceptor_port": 8080,
    "routes_auth_enabled": True,
    "routes_api_keys": [
        {"name": "team-a", "key": KEY},
        {"name": "team-b", "from_secret": {"name": "team-b-key", "namespace": "default"}},
    ],
    "gpuops_vllm_api_key_enabled": False,
}
VIA_KEDA = {"routes_via_keda_interceptor": True}


def problems_with(**changes: Any) -> list[str]:
    return problems({**GOOD, **changes})


def test_good_inputs_break_no_rule() -> None:
    assert problems(GOOD) == []
    assert problems_with(routes_default_model="qwen3-8b", routes_via_keda_interceptor="true") == []


# Each case breaks one rule; the one line it gives names the variable to fix.
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "namespace not a DNS label": ({"routes_namespace": "LLM"}, "routes_namespace"),
    "vLLM namespace not a DNS label": (
        {"routes_vllm_namespace": "v_llm"},
        "routes_vllm_namespace (gpuops_vllm_namespace)",
    ),
    "operator namespace not a DNS label": (
        {"routes_authorino_operator_namespace": ""},
        "routes_authorino_operator_namespace",
    ),
    "gateway name not a DNS label": ({"routes_gateway_name": "llm.gateway"}, "routes_gateway_name"),
    "TLS secret not a DNS label": ({"routes_tls_secret_name": "tls-"}, "routes_tls_secret_name"),
    "provider not a DNS label": (
        {"routes_authz_provider_name": "Authorino"},
        "routes_authz_provider_name (gpuops_authz_provider_name)",
    ),
    "allowed namespace not a DNS label": (
        {"routes_vllm_ingress_allowed_namespaces": ["monitoring", "Grafana"]},
        "routes_vllm_ingress_allowed_namespaces",
    ),
    "hostname with underscores": ({"routes_hostname": "llm_gateway..example"}, "routes_hostname (gpuops_hostname)"),
    "hostname with a port": ({"routes_hostname": "llm.example.org:443"}, "routes_hostname"),
    "hostname of one label": ({"routes_hostname": "localhost"}, "routes_hostname"),
    "hostname empty": ({"routes_hostname": ""}, "routes_hostname"),
    "unknown issuer": ({"routes_cluster_issuer": "letsencrypt-prod"}, "routes_cluster_issuer 'letsencrypt-prod'"),
    "cold start below 360 s": (
        {"routes_cold_start_budget_seconds": 300, "routes_request_timeout_seconds": 3900},
        "routes_cold_start_budget_seconds",
    ),
    "stream below 60 s": (
        {"routes_stream_budget_seconds": 30, "routes_request_timeout_seconds": 390},
        "routes_stream_budget_seconds",
    ),
    "timeout below cold start plus stream": (
        {"routes_request_timeout_seconds": 3959},
        "routes_request_timeout_seconds",
    ),
    "timeout of six digits": ({"routes_request_timeout_seconds": 100000}, "routes_request_timeout_seconds"),
    "no exposed path": ({"routes_exposed_paths": []}, "routes_exposed_paths"),
    "seventeen exposed paths": ({"routes_exposed_paths": [f"/v1/p{n}" for n in range(17)]}, "routes_exposed_paths"),
    "path outside /v1/": ({"routes_exposed_paths": ["/v1/models", "/api/chat"]}, "routes_exposed_paths"),
    "LoRA admin path": ({"routes_exposed_paths": ["/v1/load_lora_adapter"]}, "routes_exposed_paths"),
    "repeated path": ({"routes_exposed_paths": ["/v1/models", "/v1/models"]}, "routes_exposed_paths"),
    "no model": ({"routes_models": []}, "routes_models (gpuops_models)"),
    "model without a name": ({"routes_models": [{"name": "a"}, {"served_model_name": "b"}]}, "routes_models"),
    "model name longer than 47": ({"routes_models": [{"name": "a" * 48}]}, "routes_models"),
    "repeated model name": ({"routes_models": [{"name": "a"}, {"name": "a"}]}, "routes_models"),
    "default model not routed": ({"routes_default_model": "mistral"}, "routes_default_model ('mistral')"),
    "route to the interceptor's admin port": (
        {**VIA_KEDA, "routes_keda_interceptor_port": 9090},
        "routes_keda_interceptor_port (9090)",
    ),
    "route to the interceptor's metrics port": (
        {**VIA_KEDA, "routes_keda_interceptor_port": "2223"},
        "routes_keda_interceptor_port",
    ),
    "interceptor Service not a DNS label": (
        {**VIA_KEDA, "routes_keda_interceptor_service": "Proxy"},
        "routes_keda_interceptor_service",
    ),
    "interceptor namespace not a DNS label": (
        {**VIA_KEDA, "routes_keda_interceptor_namespace": "k_eda"},
        "routes_keda_interceptor_namespace (gpuops_keda_namespace)",
    ),
    "no key with auth on": ({"routes_api_keys": []}, "routes_api_keys"),
    "key name not a DNS label": ({"routes_api_keys": [{"name": "Team A", "key": KEY}]}, "routes_api_keys"),
    "repeated key name": (
        {"routes_api_keys": [{"name": "a", "key": KEY}, {"name": "a", "key": KEY}]},
        "routes_api_keys",
    ),
    "key without a value": ({"routes_api_keys": [{"name": "team-a"}]}, "routes_api_keys"),
    "key with both sources": (
        {"routes_api_keys": [{"name": "team-a", "key": KEY, "from_secret": {"name": "s", "namespace": "n"}}]},
        "routes_api_keys",
    ),
    "short key": ({"routes_api_keys": [{"name": "team-a", "key": "k" * 31}]}, "routes_api_keys"),
    "vLLM demanding its own key": ({"gpuops_vllm_api_key_enabled": True}, "gpuops_vllm_api_key_enabled"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_broken_rule_gives_one_line_naming_its_variable(case: str) -> None:
    changes, variable = BROKEN[case]
    [line] = problems_with(**changes)
    assert variable in line, line


def test_no_line_quotes_a_key_value() -> None:
    short, long_one = "short-secret-value", "x" * 40
    keys = [{"name": "a", "key": short}, {"name": "a", "key": long_one, "from_secret": {"name": "s", "namespace": "n"}}]

    found = problems_with(routes_api_keys=keys)

    assert len(found) == 3  # repeated name, the short key, the key with two sources
    assert [line for line in found if short in line or long_one in line] == []


def test_an_unsafe_path_is_named_in_the_message() -> None:
    [line] = problems_with(routes_exposed_paths=["/v1/chat/completions", "/v1/load_lora_adapter"])
    assert "/v1/load_lora_adapter" in line and "without a key" in line


def test_with_routes_off_only_the_settings_that_still_apply_are_checked() -> None:
    off = {"routes_enabled": False, "routes_hostname": "", "routes_models": [], "routes_api_keys": []}
    assert problems_with(**off, routes_cluster_issuer="none", gpuops_vllm_api_key_enabled=True) == []
    assert len(problems_with(**off, routes_exposed_paths=["/metrics"])) == 2  # not under /v1/, and unauthenticated


def test_with_auth_off_keys_are_not_needed_and_vllm_may_keep_its_key() -> None:
    assert problems_with(routes_auth_enabled=False, routes_api_keys=[], gpuops_vllm_api_key_enabled=True) == []


def test_the_interceptor_is_checked_only_when_routes_go_through_it() -> None:
    assert problems_with(routes_keda_interceptor_port=9090, routes_keda_interceptor_service="Proxy") == []


def test_several_broken_rules_give_one_line_each() -> None:
    found = problems_with(
        routes_hostname="llm.example.org.", routes_cluster_issuer="self-signed", routes_request_timeout_seconds=60
    )

    assert len(found) == 3
    assert found[0].startswith("routes_hostname (gpuops_hostname) must be a lower-case DNS name")
    assert found[1].startswith("routes_cluster_issuer 'self-signed' does not exist")
    assert found[2].startswith("routes_request_timeout_seconds (60) must be at least")


def test_the_role_passes_exactly_the_inputs_the_rules_read() -> None:
    """Every rule on (the optional ones enabled): a key the role forgets, or passes for nothing, fails here."""
    inputs = ReadRecorder({**GOOD, **VIA_KEDA})

    assert problems(inputs) == []
    assert inputs.read == set(GOOD) == passed_inputs("routes")
