# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which namespaces an Istio AuthorizationPolicy needs in the ambient mesh for its identity rules to match.

Istio matches ``source.namespaces``/``notNamespaces``, ``source.principals``/``notPrincipals`` and the
``source.namespace``/``source.principal`` conditions only on mutual TLS traffic: plaintext never matches them
(Istio security advisory ISTIO-SECURITY-2021-004, "mTLS-only fields"). In ambient mode a workload gets an mTLS
identity when its namespace carries ``istio.io/dataplane-mode: ambient`` (ztunnel then speaks HBONE for it); an
Istio gateway or waypoint is an Envoy proxy that carries its own identity and needs no label. And a policy without
a ``targetRef`` is enforced by ztunnel only for workloads that are themselves in the mesh.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

AMBIENT_LABEL = "istio.io/dataplane-mode"
AMBIENT_VALUE = "ambient"
_NAMESPACE_KEYS = ("namespaces", "notNamespaces")
_PRINCIPAL_KEYS = ("principals", "notPrincipals")


def principal_namespace(principal):
    """The namespace of a SPIFFE-style principal ``<trust domain>/ns/<namespace>/sa/<account>``, else None."""
    parts = str(principal).split("/")
    for index in range(len(parts) - 1):
        if parts[index] == "ns" and parts[index + 1] not in ("", "*"):
            return parts[index + 1]
    return None


def _sources(policy):
    for rule in (policy.get("spec") or {}).get("rules") or []:
        for entry in rule.get("from") or []:
            yield entry.get("source") or {}


def _conditions(policy):
    for rule in (policy.get("spec") or {}).get("rules") or []:
        yield from rule.get("when") or []


def identity_namespaces(policy, own_proxies=()):
    """Namespaces whose workload identities the policy relies on; ``own_proxies`` are principals of Istio
    gateways/waypoints, which carry their identity themselves and so need no namespace in the mesh."""
    found = set()
    skip = set(str(p) for p in own_proxies)
    for source in _sources(policy):
        for key in _NAMESPACE_KEYS:
            found.update(str(ns) for ns in source.get(key) or [] if str(ns) not in ("", "*"))
        for key in _PRINCIPAL_KEYS:
            found.update(principal_namespace(p) for p in source.get(key) or [] if str(p) not in skip)
    for condition in _conditions(policy):
        values = list(condition.get("values") or []) + list(condition.get("notValues") or [])
        if condition.get("key") == "source.namespace":
            found.update(str(v) for v in values if str(v) not in ("", "*"))
        elif condition.get("key") == "source.principal":
            found.update(principal_namespace(v) for v in values if str(v) not in skip)
    found.discard(None)
    return found


def ambient_namespaces_needed(policy, own_proxies=()):
    """Sorted namespaces that must be enrolled in ambient mode for ``policy`` to work as written: the namespaces
    of the identities it admits (or refuses) and, for a ztunnel policy (no targetRef), its own namespace."""
    needed = identity_namespaces(policy, own_proxies)
    spec = policy.get("spec") or {}
    if not spec.get("targetRef") and not spec.get("targetRefs"):
        namespace = (policy.get("metadata") or {}).get("namespace")
        if namespace:
            needed.add(str(namespace))
    return sorted(needed)
