"""Bad routes and cert_manager input fails before anything is written, naming the variable to fix.

Runs the pre-flight (every role's `validate` entry point, as site.yml does) and then the roles against the
bundled emulator, and reads the emulator's request log: a failed run must not have sent a single write.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import KubeEmulator
from tests.integration.roles.routes_harness import run_roles

ROLES = ["istio", "cert_manager", "routes"]
KEYS = [{"name": "team-a", "key": "bad-input-test-key-0123456789abcdefghij"}]
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "invalid hostname": ({"routes_hostname": "llm_gateway..example"}, "routes_hostname"),
    "hostname with a port": ({"routes_hostname": "llm.example.org:443"}, "routes_hostname"),
    "unknown issuer": ({"routes_cluster_issuer": "letsencrypt-prod"}, "routes_cluster_issuer"),
    "empty key list with auth on": ({"routes_api_keys": []}, "routes_api_keys"),
    "timeout below the cold-start budget": ({"routes_request_timeout_seconds": 120}, "routes_request_timeout_seconds"),
    "budget below 360 s": (
        {"routes_cold_start_budget_seconds": 60, "routes_request_timeout_seconds": 90},
        "routes_cold_start_budget_seconds",
    ),
    "timeout shorter than cold start plus the longest stream": (
        {"routes_stream_budget_seconds": 7200, "routes_request_timeout_seconds": 3960},
        "routes_request_timeout_seconds",
    ),
    "route to the interceptor's admin port": (
        {"gpuops_scale_from_zero": True, "routes_keda_interceptor_port": 9090},
        "routes_keda_interceptor_port",
    ),
    "metrics path exposed": ({"routes_exposed_paths": ["/v1/chat/completions", "/metrics"]}, "routes_exposed_paths"),
    "LoRA admin path exposed": ({"routes_exposed_paths": ["/v1/load_lora_adapter"]}, "routes_exposed_paths"),
    "short key": ({"routes_api_keys": [{"name": "team-a", "key": "short"}]}, "routes_api_keys"),
    "duplicate key names": ({"routes_api_keys": KEYS + KEYS}, "routes_api_keys"),
    "key without a value": ({"routes_api_keys": [{"name": "team-a"}]}, "routes_api_keys"),
    "no model": ({"gpuops_models": []}, "routes_models"),
    "chart placeholder group name": (
        {"cert_manager_desec_group_name": "acme.ukmetrics.ca"},
        "cert_manager_desec_group_name",
    ),
    "missing deSEC token": ({"cert_manager_desec_token": ""}, "cert_manager_desec_token"),
    "no ACME e-mail": ({"cert_manager_acme_email": "ops"}, "cert_manager_acme_email"),
    "floating Istio version": ({"istio_chart_version": "1.30"}, "istio_chart_version"),
    "missing Gateway API source": (
        {"istio_gateway_api_crds_src": "/nonexistent/gateway-api"},
        "istio_gateway_api_crds_src",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_before_any_write_and_names_the_variable(
    case: str, kube_emulator_session: KubeEmulator
) -> None:
    overrides, variable = CASES[case]
    kube_emulator_session.clear_requests()
    proc = run_roles(kube_emulator_session, ROLES, {"routes_api_keys": KEYS, **overrides})
    output = proc.output
    assert proc.rc != 0, output[-3000:]
    assert variable in output, output[-3000:]
    assert "PLAY [Deploy]" not in output, output[-3000:]
    assert proc.writes == []
