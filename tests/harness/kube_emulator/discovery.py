"""Legacy discovery documents (/version, /api, /apis, APIResourceList), built from the live registry."""

from __future__ import annotations

from typing import Any

from .store import Store

VERSION = {
    "major": "1",
    "minor": "35",
    "gitVersion": "v1.35.0",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-12-17T00:00:00Z",
    "goVersion": "go1.25.5",
    "compiler": "gc",
    "platform": "linux/amd64",
    "emulationMajor": "1",
    "emulationMinor": "35",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "34",
}


def api_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(store: Store) -> dict[str, Any]:
    with store.lock:
        groups = [_group(g, v) for g, v in store.group_versions().items() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(store: Store, name: str) -> dict[str, Any] | None:
    with store.lock:
        versions = store.group_versions().get(name)
    if not name or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def resource_list(store: Store, group: str, version: str) -> dict[str, Any] | None:
    with store.lock:
        types = sorted(
            (rt for (g, v, _), rt in store.types.items() if (g, v) == (group, version)), key=lambda rt: rt.plural
        )
    if not types:
        return None
    resources = [entry for rt in types for entry in rt.discovery_entries()]
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}
