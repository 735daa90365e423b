"""The istio role's inputs: one line per broken rule, each naming the variable the user set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.istio_inputs import problems

GOOD: dict[str, Any] = {
    "istio_namespace": "istio-system",
    "istio_ambient_namespaces": ["vllm", "keda"],
    "istio_chart_version": "1.30.3",
    "istio_wait_timeout": "10m",
    "istio_ext_authz_enabled": True,
    "istio_ext_authz_provider_name": "authorino",
    "istio_ext_authz_service": "authorino-authorino-authorization.llm-gateway.svc.cluster.local",
    "istio_ext_authz_port": 50051,
    "istio_ext_authz_timeout": "2s",
    "istio_gateway_api_crds_src": "",
    "istio_gateway_api_crds_url": "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/x.yaml",
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_the_role_defaults_break_no_rule() -> None:
    assert problems(GOOD) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"istio_namespace": "Istio_System"}, "istio_namespace must be a DNS-1123 label, got 'Istio_System'"),
        (
            {"istio_ambient_namespaces": ["vllm", "Serving", "-x"]},
            "every entry of istio_ambient_namespaces must be a DNS-1123 label, got ['Serving', '-x']",
        ),
        ({"istio_chart_version": "1.30"}, "istio_chart_version must be an exact version such as 1.30.3, got '1.30'"),
        ({"istio_chart_version": "~1.30.3"}, "istio_chart_version must be an exact version such as 1.30.3"),
        ({"istio_wait_timeout": "10 minutes"}, "istio_wait_timeout must be a Go duration such as 10m or 2s"),
        ({"istio_ext_authz_timeout": "2"}, "istio_ext_authz_timeout must be a Go duration such as 10m or 2s, got '2'"),
        (
            {"istio_ext_authz_provider_name": "Authorino"},
            "istio_ext_authz_provider_name (gpuops_authz_provider_name) must be a DNS label, got 'Authorino'",
        ),
        ({"istio_ext_authz_service": "authz_svc"}, "istio_ext_authz_service must be a DNS name, got 'authz_svc'"),
        ({"istio_ext_authz_port": 0}, "istio_ext_authz_port must be a port (1-65535), got 0"),
        ({"istio_ext_authz_port": 65536}, "istio_ext_authz_port must be a port (1-65535), got 65536"),
        ({"istio_ext_authz_port": "grpc"}, "istio_ext_authz_port must be a port (1-65535), got 'grpc'"),
        (
            {"istio_gateway_api_crds_src": "/nonexistent/crds"},
            "istio_gateway_api_crds_src must name an existing file or directory, got '/nonexistent/crds'",
        ),
        (
            {"istio_gateway_api_crds_url": "http://example.org/standard-install.yaml"},
            "istio_gateway_api_crds_url must be an https:// URL when istio_gateway_api_crds_src is empty",
        ),
    ],
)
def test_each_broken_rule_is_one_line_naming_its_variable(changes: dict[str, Any], message: str) -> None:
    [line] = problems(with_(**changes))
    assert line.startswith(message)
    assert next(iter(changes)) in line


def test_several_broken_rules_give_one_line_each() -> None:
    found = problems(with_(istio_namespace="", istio_chart_version="latest", istio_wait_timeout="ten"))
    assert [line.split(" ", 1)[0] for line in found] == [
        "istio_namespace",
        "istio_chart_version",
        "istio_wait_timeout",
    ]


def test_the_ext_authz_provider_is_not_checked_when_it_is_off() -> None:
    broken = {"istio_ext_authz_provider_name": "", "istio_ext_authz_service": "", "istio_ext_authz_port": 0}
    assert problems(with_(istio_ext_authz_enabled=False, **broken)) == []
    assert len(problems(with_(istio_ext_authz_enabled="true", **broken))) == 3


def test_a_port_given_as_text_is_read_as_a_number() -> None:
    assert problems(with_(istio_ext_authz_port="50051")) == []


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_a_local_crd_source_that_exists_replaces_the_download(tmp_path: Path, kind: str) -> None:
    src = tmp_path / "crds"
    if kind == "directory":
        src.mkdir()
    else:
        src.write_text("---\n")
    # The URL is not used then, so it is not checked.
    assert problems(with_(istio_gateway_api_crds_src=str(src), istio_gateway_api_crds_url="")) == []
