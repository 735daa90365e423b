"""What site.yml renders for each shipped inventory keeps the gateway's promises.

Every test reads the objects the istio and routes roles create for site.yml with inventories/local, staging and
production (tests/unit/roles/site_objects.py walks the roles' tasks and renders their templates), and states one
rule over all of them: identities an ambient policy names are in the mesh, /health never wakes a GPU, no route
reaches a path vLLM serves without authentication, and the upstream API versions and timeouts are right.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_paths import (
    VLLM_HEALTH_PATHS,
    VLLM_UNAUTHENTICATED_PATHS,
)

from tests.unit.roles.role_render import role_value
from tests.unit.roles.site_objects import ENVIRONMENTS, of_kind, rendered_objects, site_variables, upstream_dir

ROLES = ["istio", "routes"]
AMBIENT = ("istio.io/dataplane-mode", "ambient")


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def site(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, rendered_objects(request.param, ROLES)


def _var(env: str, name: str) -> Any:
    """One variable as the routes role sees it in site.yml with this inventory."""
    return role_value("routes", name, site_variables(env))


def _principal_namespace(principal: str) -> str | None:
    found = re.search(r"(?:^|/)ns/([^/]+)/sa/", principal)
    return found.group(1) if found and found.group(1) != "*" else None


def _istio_gateway_principals(objects: list[dict[str, Any]]) -> set[str]:
    """Identities of the Istio-deployed gateways: Istio names their ServiceAccount <gateway>-<class>."""
    return {
        f"cluster.local/ns/{g['metadata']['namespace']}/sa/{g['metadata']['name']}-{g['spec']['gatewayClassName']}"
        for g in of_kind(objects, "Gateway")
        if g["spec"]["gatewayClassName"] == "istio"
    }


def _ambient_namespaces(objects: list[dict[str, Any]]) -> set[str]:
    return {
        n["metadata"]["name"]
        for n in of_kind(objects, "Namespace")
        if (n["metadata"].get("labels") or {}).get(AMBIENT[0]) == AMBIENT[1]
    }


def test_every_identity_an_ambient_policy_relies_on_is_in_the_mesh(site: tuple[str, list[dict[str, Any]]]) -> None:
    env, objects = site
    meshed = _ambient_namespaces(objects)
    gateways = _istio_gateway_principals(objects)
    ztunnel_policies = [
        p
        for p in of_kind(objects, "AuthorizationPolicy")
        if not p["spec"].get("targetRefs") and not p["spec"].get("targetRef")
    ]
    assert ztunnel_policies, "the vLLM ingress policy is rendered"
    for policy in ztunnel_policies:
        where = f"{env}: {policy['metadata']['namespace']}/{policy['metadata']['name']}"
        assert policy["metadata"]["namespace"] in meshed, f"{where} only binds workloads in the mesh"
        for rule in policy["spec"].get("rules", []):
            for source in (entry["source"] for entry in rule.get("from", [])):
                for ns in source.get("namespaces", []) + source.get("notNamespaces", []):
                    assert ns in meshed, f"{where} names namespace {ns}, which is not in the ambient mesh"
                for principal in source.get("principals", []) + source.get("notPrincipals", []):
                    ns = _principal_namespace(principal)
                    assert principal in gateways or ns in meshed, f"{where} names {principal}, not a mesh identity"
            for condition in rule.get("when", []):
                assert not condition["key"].startswith("source."), f"{where}: conditions on {condition['key']}"


def _rules(objects: list[dict[str, Any]], gateway: str) -> list[dict[str, Any]]:
    routes = [
        r
        for r in of_kind(objects, "HTTPRoute")
        if any(ref.get("kind", "Gateway") == "Gateway" and ref["name"] == gateway for ref in r["spec"]["parentRefs"])
    ]
    assert routes, "routes are attached to the Gateway"
    return [rule for route in routes for rule in route["spec"]["rules"]]


def _exact_match(match: dict[str, Any], path: str) -> bool:
    """Whether a request to exactly ``path`` is taken by this match (Gateway API semantics)."""
    kind, value = match.get("type", "PathPrefix"), match.get("value", "/")
    if kind == "Exact":
        return value == path
    if kind == "PathPrefix":
        value = value.rstrip("/")
        return value == "" or path == value or path.startswith(value + "/")
    return re.fullmatch(value, path) is not None


def test_health_never_goes_through_the_keda_interceptor(site: tuple[str, list[dict[str, Any]]]) -> None:
    env, objects = site
    interceptor = (_var(env, "routes_keda_interceptor_namespace"), _var(env, "routes_keda_interceptor_service"))
    health = _var(env, "routes_health_path")
    rules = [
        rule
        for rule in _rules(objects, _var(env, "routes_gateway_name"))
        if rule.get("backendRefs") and any(_exact_match(m.get("path", {}), health) for m in rule.get("matches", [{}]))
    ]
    assert rules, f"{env}: a rule serves {health}"
    grants = of_kind(objects, "ReferenceGrant")
    for rule in rules:
        for ref in rule["backendRefs"]:
            assert (ref.get("namespace"), ref["name"]) != interceptor, f"{env}: {health} goes through the interceptor"
            assert ref["name"].startswith("vllm-") and ref["port"] == _var(env, "routes_vllm_port")
            # A cross-namespace backend only works when a ReferenceGrant there names it.
            assert any(
                g["metadata"]["namespace"] == ref["namespace"]
                and {"group": "", "kind": "Service", "name": ref["name"]} in g["spec"]["to"]
                for g in grants
            ), f"{env}: no ReferenceGrant lets the routes use {ref['namespace']}/{ref['name']}"


def _reachable_backend_prefixes(rule: dict[str, Any]) -> list[tuple[str, str]]:
    """(match type, path) pairs as vLLM receives them: the matched path, or what URLRewrite replaces it with."""
    rewrite = next(
        (
            f["urlRewrite"]["path"]["replacePrefixMatch"]
            for f in rule.get("filters", [])
            if f["type"] == "URLRewrite" and "path" in f["urlRewrite"]
        ),
        None,
    )
    found = []
    for match in rule.get("matches", [{"path": {"type": "PathPrefix", "value": "/"}}]):
        path = match.get("path", {"type": "PathPrefix", "value": "/"})
        kind = path.get("type", "PathPrefix")
        found.append((kind, rewrite if rewrite is not None and kind != "RegularExpression" else path["value"]))
    return found


def _can_reach(kind: str, value: str, private: str) -> bool:
    if kind == "RegularExpression":
        return any(re.fullmatch(value, p) for p in (private, private + "/x"))
    value = value.rstrip("/")
    if kind == "Exact":
        return value == private or value.startswith(private + "/")
    return value == "" or private == value or private.startswith(value + "/") or value.startswith(private + "/")


@pytest.mark.parametrize("extra", [{}, {"routes_via_keda_interceptor": False}, {"routes_via_keda_interceptor": True}])
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_route_reaches_a_path_vllm_serves_without_auth(env: str, extra: dict[str, Any]) -> None:
    objects = rendered_objects(env, ROLES, extra)
    exposed = _var(env, "routes_exposed_paths")
    health = _var(env, "routes_health_path")
    assert {"/metrics", "/tokenize", "/collective_rpc", "/v1/load_lora_adapter"} <= set(VLLM_UNAUTHENTICATED_PATHS)
    for rule in _rules(objects, _var(env, "routes_gateway_name")):
        if not rule.get("backendRefs"):
            continue  # redirects and direct responses reach no backend
        for kind, value in _reachable_backend_prefixes(rule):
            # Whatever the port: the check is on the path vLLM receives.
            bad = [p for p in VLLM_UNAUTHENTICATED_PATHS if _can_reach(kind, value, p)]
            assert bad == [], f"{env}: {kind} {value} reaches {bad}"
            # And nothing beyond the allow-list: an exposed OpenAI prefix, or the health path alone.
            assert (kind == "PathPrefix" and value in exposed) or (kind == "Exact" and value == health), (
                env,
                kind,
                value,
            )
    # The gateway's key check covers every path but health: no AuthorizationPolicy at the gateway exempts a
    # private path from the key, or admits one.
    for policy in of_kind(objects, "AuthorizationPolicy"):
        if not policy["spec"].get("targetRefs"):
            continue
        for rule in policy["spec"].get("rules", []):
            for operation in (t["operation"] for t in rule.get("to", [])):
                exempt = (
                    operation.get("notPaths", [])
                    if policy["spec"]["action"] == "CUSTOM"
                    else operation.get("paths", [])
                )
                assert set(exempt) <= set(VLLM_HEALTH_PATHS), (
                    f"{env}: {policy['metadata']['name']} lets {exempt} through"
                )


def test_the_guard_refuses_exposing_a_private_path() -> None:
    for private in ("/v1/load_lora_adapter", "/v1/unload_lora_adapter"):
        assert role_value(
            "routes",
            "routes_exposed_paths | gpuops.llm_inference.vllm_unsafe_prefixes",
            {"routes_exposed_paths": ["/v1/models", private]},
        ) == [private]


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version priority: GA above beta above alpha, then by number."""
    major, stage, minor = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version).groups()  # type: ignore[union-attr]
    return ({"alpha": 0, "beta": 1, None: 2}[stage], int(major), int(minor or 0))


def test_reference_grants_use_the_newest_version_the_pinned_crd_serves(site: tuple[str, list[dict[str, Any]]]) -> None:
    env, objects = site
    version = site_variables(env)["istio_gateway_api_version"]
    crd_path = upstream_dir() / "gateway-api" / str(version) / "gateway.networking.k8s.io_referencegrants.yaml"
    if not crd_path.is_file():
        pytest.skip(f"{crd_path} is absent (../shared/upstream): cannot read the served versions")
    crd = yaml.safe_load(crd_path.read_text())
    served = [v["name"] for v in crd["spec"]["versions"] if v["served"] and not v.get("deprecated")]
    grants = of_kind(objects, "ReferenceGrant")
    assert grants
    for grant in grants:
        group, used = grant["apiVersion"].split("/")
        assert group == crd["spec"]["group"]
        assert used == max(served, key=_version_priority), f"{env}: ReferenceGrant at {used}, served: {served}"


def _seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|h|m|s)", duration))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_timeouts_let_a_cold_start_and_the_longest_stream_finish(env: str) -> None:
    objects = rendered_objects(env, ROLES)
    needed = _var(env, "routes_cold_start_budget_seconds") + _var(env, "routes_stream_budget_seconds")
    for rule in _rules(objects, _var(env, "routes_gateway_name")):
        if rule.get("backendRefs") and not any(
            m.get("path", {}).get("type") == "Exact" for m in rule.get("matches", [])
        ):
            assert _seconds(rule["timeouts"]["request"]) >= needed, (env, rule["timeouts"])
            assert _seconds(rule["timeouts"]["backendRequest"]) >= needed, (env, rule["timeouts"])


@pytest.mark.parametrize("timeout", [3600, 7200, 86400])
def test_the_request_timeout_variable_flows_into_every_api_route(timeout: int) -> None:
    objects = rendered_objects("local", ROLES, {"routes_request_timeout_seconds": timeout})
    api_rules = [
        r
        for r in _rules(objects, "llm-gateway")
        if r.get("backendRefs") and r["matches"][0]["path"]["type"] == "PathPrefix"
    ]
    assert api_rules
    assert {(r["timeouts"]["request"], r["timeouts"]["backendRequest"]) for r in api_rules} == {
        (f"{timeout}s", f"{timeout}s")
    }
