"""The cert_manager role's inputs: one line per broken rule, each naming the variable the user set; the deSEC token
is never quoted."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.cert_manager_inputs import problems

TOKEN = "desec-token-value-3f9a2c"
STAGING = {"name": "letsencrypt-staging", "server": "https://acme-staging-v02.api.letsencrypt.org/directory"}
PRODUCTION = {"name": "letsencrypt-production", "server": "https://acme-v02.api.letsencrypt.org/directory"}
GOOD: dict[str, Any] = {
    "cert_manager_namespace": "cert-manager",
    "cert_manager_chart_version": "v1.21.1",
    "cert_manager_desec_chart_version": "1.0.1",
    "cert_manager_acme_email": "ops@example.com",
    "cert_manager_acme_solver": "dns01",
    "cert_manager_issuers": [STAGING, PRODUCTION],
    "cert_manager_desec_token": TOKEN,
    "cert_manager_desec_group_name": "acme.example.com",
    "cert_manager_desec_domain": "example.com",
    "cert_manager_desec_solver_name": "desec-http",
    "cert_manager_desec_secret_name": "desec-token",
    "cert_manager_http01_gateway_name": "llm-gateway",
    "cert_manager_http01_gateway_namespace": "llm-gateway",
    "cert_manager_http01_gateway_listener": "http",
    "gpuops_cluster_issuers": None,
}
HTTP01 = {"cert_manager_acme_solver": "http01"}


def with_(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_good_inputs_break_no_rule() -> None:
    assert problems(GOOD) == []
    assert problems(with_(gpuops_cluster_issuers=["letsencrypt-production"])) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"cert_manager_namespace": "cert.manager"},
            "cert_manager_namespace must be a DNS-1123 label, got 'cert.manager'",
        ),
        ({"cert_manager_chart_version": "v1.21"}, "cert_manager_chart_version must be an exact version, got 'v1.21'"),
        ({"cert_manager_desec_chart_version": "latest"}, "cert_manager_desec_chart_version must be an exact version"),
        ({"cert_manager_acme_email": ""}, "cert_manager_acme_email must be an e-mail address, got ''"),
        ({"cert_manager_acme_email": "ops at example.com"}, "cert_manager_acme_email must be an e-mail address"),
        ({"cert_manager_acme_email": "ops@localhost"}, "cert_manager_acme_email must be an e-mail address"),
        ({"cert_manager_issuers": []}, "cert_manager_issuers must hold at least one issuer, got []"),
        (
            {"cert_manager_issuers": [STAGING, {**PRODUCTION, "name": "LetsEncrypt"}]},
            "cert_manager_issuers names must be DNS-1123 names, got ['LetsEncrypt']",
        ),
        (
            {"cert_manager_issuers": [STAGING, {**PRODUCTION, "name": STAGING["name"]}]},
            "cert_manager_issuers names must be unique, got letsencrypt-staging more than once",
        ),
        (
            {"cert_manager_issuers": [STAGING, {**PRODUCTION, "server": "http://acme.example.com/directory"}]},
            "cert_manager_issuers servers must be https:// ACME directories, not so for ['letsencrypt-production']",
        ),
        ({"cert_manager_desec_token": ""}, "An issuer uses dns01: cert_manager_desec_token must be set (from Vault)"),
        (
            {"cert_manager_desec_group_name": ""},
            "An issuer uses dns01: cert_manager_desec_group_name must be a domain of yours (not the chart's "
            "placeholder), got ''",
        ),
        ({"cert_manager_desec_group_name": "acme"}, "An issuer uses dns01: cert_manager_desec_group_name must be"),
        (
            {"cert_manager_desec_group_name": "acmedns.example.org"},
            "An issuer uses dns01: cert_manager_desec_group_name must be",
        ),
        ({"cert_manager_desec_group_name": "acme.ukmetrics.ca"}, "An issuer uses dns01: cert_manager_desec_group_name"),
        (
            {"cert_manager_desec_domain": ""},
            "An issuer uses dns01: cert_manager_desec_domain must be the deSEC zone, got ''",
        ),
        (
            {"cert_manager_desec_solver_name": "desec.http"},
            "An issuer uses dns01: cert_manager_desec_solver_name must be a DNS label, got 'desec.http'",
        ),
        (
            {"cert_manager_desec_secret_name": "Desec"},
            "An issuer uses dns01: cert_manager_desec_secret_name must be a DNS name, got 'Desec'",
        ),
        (
            {"gpuops_cluster_issuers": ["letsencrypt-staging", "zerossl"]},
            "gpuops_cluster_issuers names ['zerossl'], which cert_manager_issuers does not define",
        ),
    ],
)
def test_each_broken_rule_is_one_line_naming_its_variable(changes: dict[str, Any], message: str) -> None:
    [line] = problems(with_(**changes))
    assert line.startswith(message)
    assert next(iter(changes)) in line


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cert_manager_http01_gateway_name", "LLM"),
        ("cert_manager_http01_gateway_namespace", "llm.gw"),
        ("cert_manager_http01_gateway_listener", ""),
    ],
)
def test_an_http01_issuer_needs_a_gateway_named_as_kubernetes_names_them(name: str, value: str) -> None:
    assert problems(with_(**HTTP01, **{name: value})) == [
        f"An issuer uses http01: {name} must be a Kubernetes name, got {value!r}"
    ]


def test_the_desec_settings_are_checked_only_when_an_issuer_solves_dns01() -> None:
    no_desec = {
        "cert_manager_desec_token": "",
        "cert_manager_desec_group_name": "",
        "cert_manager_desec_domain": "",
    }
    assert problems(with_(**HTTP01, **no_desec)) == []
    # One issuer that solves dns01 by its own `solver` is enough.
    mixed = [STAGING, {**PRODUCTION, "solver": "dns01"}]
    assert len(problems(with_(**HTTP01, **no_desec, cert_manager_issuers=mixed))) == 3


def test_the_gateway_settings_are_checked_only_when_an_issuer_solves_http01() -> None:
    no_gateway = {"cert_manager_http01_gateway_name": "", "cert_manager_http01_gateway_listener": ""}
    assert problems(with_(**no_gateway)) == []
    mixed = [STAGING, {**PRODUCTION, "solver": "http01"}]
    assert len(problems(with_(**no_gateway, cert_manager_issuers=mixed))) == 2


def test_several_broken_rules_give_one_line_each_and_never_quote_the_token() -> None:
    found = problems(
        with_(
            cert_manager_acme_email="nobody",
            cert_manager_issuers=[{**STAGING, "server": "http://x.example"}],
            cert_manager_desec_domain="",
            gpuops_cluster_issuers=["letsencrypt-production"],
        )
    )
    assert len(found) == 4
    assert [next(w for w in line.split() if w.startswith(("cert_manager_", "gpuops_"))) for line in found] == [
        "cert_manager_acme_email",
        "cert_manager_issuers",
        "cert_manager_desec_domain",
        "gpuops_cluster_issuers",
    ]
    assert not any(TOKEN in line for line in found)
