"""Read back what the stack put on a cluster: used by `make demo` and the site benchmark.

Works against any cluster the kubernetes client can reach (the bundled emulator or a real one).
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError


def dynamic_client(kubeconfig: str) -> DynamicClient:
    return DynamicClient(config.new_client_from_config(config_file=kubeconfig))


def _items(dyn: DynamicClient, api_version: str, kind: str, **kwargs: Any) -> list[Any]:
    try:
        return list(dyn.resources.get(api_version=api_version, kind=kind).get(**kwargs).items)
    except ResourceNotFoundError:
        return []


def helm_releases(dyn: DynamicClient) -> list[dict[str, str]]:
    """Deployed Helm releases, decoded from the Secrets Helm 3 stores them in."""
    releases = []
    for secret in _items(dyn, "v1", "Secret", label_selector="owner=helm,status=deployed"):
        raw = base64.b64decode(base64.b64decode(secret.data["release"]))
        release = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        meta = release.get("chart", {}).get("metadata", {})
        releases.append(
            {
                "namespace": secret.metadata.namespace,
                "name": release.get("name", ""),
                "chart": f"{meta.get('name', '?')}-{meta.get('version', '?')}",
                "revision": str(release.get("version", "")),
            }
        )
    return sorted(releases, key=lambda r: (r["namespace"], r["name"]))


def report(kubeconfig: str) -> str:
    dyn = dynamic_client(kubeconfig)
    lines = ["Namespaces:"]
    for ns in _items(dyn, "v1", "Namespace"):
        lines.append(f"  {ns.metadata.name:<24} {ns.status.phase if ns.status else ''}")
    lines.append("Helm releases:")
    for rel in helm_releases(dyn):
        lines.append(f"  {rel['namespace'] + '/' + rel['name']:<45} {rel['chart']:<36} rev {rel['revision']}")
    lines.append("Deployments:")
    for dep in _items(dyn, "apps/v1", "Deployment"):
        image = dep.spec.template.spec.containers[0].image
        ready = f"{dep.status.readyReplicas or 0}/{dep.spec.replicas}" if dep.status else "?"
        lines.append(f"  {dep.metadata.namespace + '/' + dep.metadata.name:<45} {ready:<6} {image}")
    lines.append("Gateways:")
    for gw in _items(dyn, "gateway.networking.k8s.io/v1", "Gateway"):
        for listener in gw.spec.listeners:
            tls = listener.get("tls") or {}
            certs = ",".join(ref["name"] for ref in tls.get("certificateRefs", []))
            lines.append(
                f"  {gw.metadata.namespace + '/' + gw.metadata.name:<30} {listener.name:<8} {listener.protocol:<6} "
                f"{listener.get('hostname') or '*':<28} {('tls=' + certs) if certs else ''}"
            )
    lines.append("HTTPRoutes:")
    for route in _items(dyn, "gateway.networking.k8s.io/v1", "HTTPRoute"):
        for rule in route.spec.get("rules", []):
            paths = ",".join(
                f"{m['path']['type']}:{m['path']['value']}" for m in rule.get("matches", []) if m.get("path")
            )
            backends = ",".join(f"{b['name']}:{b.get('port', '')}" for b in rule.get("backendRefs", []) or [])
            filters = ",".join(f["type"] for f in rule.get("filters", []) or [])
            target = backends or filters
            lines.append(f"  {route.metadata.namespace + '/' + route.metadata.name:<36} {paths:<36} -> {target}")
    return "\n".join(lines)


def write_requests(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The requests of an emulator request log that change state."""
    return [r for r in requests if r["method"] in ("POST", "PUT", "PATCH", "DELETE")]


__all__ = ["client", "dynamic_client", "helm_releases", "report", "write_requests"]
