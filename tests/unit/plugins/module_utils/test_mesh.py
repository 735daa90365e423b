"""An AuthorizationPolicy's identity rules need their namespaces in the ambient mesh (mTLS-only fields)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.filter.mesh import ambient_namespaces_needed_filter
from ansible_collections.gpuops.llm_inference.plugins.module_utils.mesh import (
    ambient_namespaces_needed,
    identity_namespaces,
    principal_namespace,
)

GATEWAY = "cluster.local/ns/llm-gateway/sa/llm-gateway-istio"


def policy(rules: list[dict[str, Any]], namespace: str = "vllm", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "p", "namespace": namespace},
        "spec": {"action": "ALLOW", "rules": rules, **spec},
    }


@pytest.mark.parametrize(
    ("principal", "namespace"),
    [
        ("cluster.local/ns/keda/sa/interceptor", "keda"),
        ("example.org/ns/monitoring/sa/prometheus", "monitoring"),
        ("*/ns/team/sa/*", "team"),
        ("*", None),
        ("cluster.local/ns/*/sa/x", None),
        ("spiffe-less", None),
    ],
)
def test_principal_namespace(principal: str, namespace: str | None) -> None:
    assert principal_namespace(principal) == namespace


def test_every_mtls_only_field_counts() -> None:
    rules = [
        {"from": [{"source": {"namespaces": ["keda"]}}, {"source": {"notNamespaces": ["blocked"]}}]},
        {"from": [{"source": {"principals": ["cluster.local/ns/a/sa/x"], "notPrincipals": ["td/ns/b/sa/y"]}}]},
        {
            "when": [
                {"key": "source.namespace", "values": ["c"]},
                {"key": "source.principal", "notValues": ["td/ns/d/sa/z"]},
            ]
        },
        {"when": [{"key": "request.headers[x]", "values": ["ns-not-an-identity"]}]},
        {"from": [{"source": {"ipBlocks": ["10.0.0.0/8"]}}]},
    ]
    assert identity_namespaces(policy(rules)) == {"keda", "blocked", "a", "b", "c", "d"}


def test_a_gateway_carries_its_own_identity() -> None:
    rules = [{"from": [{"source": {"principals": [GATEWAY]}}, {"source": {"namespaces": ["monitoring"]}}]}]
    assert ambient_namespaces_needed(policy(rules), own_proxies=[GATEWAY]) == ["monitoring", "vllm"]
    assert ambient_namespaces_needed(policy(rules)) == ["llm-gateway", "monitoring", "vllm"]


def test_a_policy_enforced_by_a_proxy_does_not_need_its_own_namespace_meshed() -> None:
    target = [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}]
    rules = [{"to": [{"operation": {"ports": ["443"]}}]}]
    assert ambient_namespaces_needed(policy(rules, namespace="llm-gateway", targetRefs=target)) == []
    assert ambient_namespaces_needed(policy(rules, namespace="vllm")) == ["vllm"]


def test_the_filter_wants_an_authorization_policy() -> None:
    assert ambient_namespaces_needed_filter(policy([{"from": [{"source": {"namespaces": ["keda"]}}]}])) == [
        "keda",
        "vllm",
    ]
    with pytest.raises(AnsibleFilterError, match="AuthorizationPolicy"):
        ambient_namespaces_needed_filter({"kind": "Namespace"})
    with pytest.raises(AnsibleFilterError, match="own_proxies"):
        ambient_namespaces_needed_filter(policy([]), own_proxies=GATEWAY)
