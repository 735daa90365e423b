"""Helm 3 release storage: one Secret per revision, exactly as Helm's secrets driver writes it.

Secret ``sh.helm.release.v1.<name>.v<revision>``, type ``helm.sh/release.v1``, labels
``owner=helm``, ``name``, ``status``, ``version``; ``data.release`` holds Helm's encoding
(base64 of gzipped release JSON), which the API in turn base64-encodes as Secret data.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .kube import Kube

SECRET_TYPE = "helm.sh/release.v1"
DEPLOYED = "deployed"
SUPERSEDED = "superseded"
UNINSTALLED = "uninstalled"
FAILED = "failed"


def now() -> datetime:
    return datetime.now(UTC)


def go_time(moment: datetime) -> str:
    """Go's time.Time JSON form (RFC 3339 with fraction), as in Helm's release JSON."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def list_time(stamp: str) -> str:
    """The ``updated`` column of ``helm list``: Go's default time format."""
    try:
        moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f +0000 UTC")


@dataclass
class Release:
    name: str
    namespace: str
    version: int
    status: str
    chart_metadata: dict[str, Any]
    chart_values: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    first_deployed: str = ""
    last_deployed: str = ""
    deleted: str = ""
    description: str = ""
    notes: str = ""
    manifest: str = ""

    @property
    def secret_name(self) -> str:
        return f"sh.helm.release.v1.{self.name}.v{self.version}"

    @property
    def chart_label(self) -> str:
        return f"{self.chart_metadata.get('name', '')}-{self.chart_metadata.get('version', '')}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "info": {
                "first_deployed": self.first_deployed,
                "last_deployed": self.last_deployed,
                "deleted": self.deleted,
                "description": self.description,
                "status": self.status,
                "notes": self.notes,
            },
            "chart": {
                "metadata": self.chart_metadata,
                "lock": None,
                "templates": [],
                "values": self.chart_values,
                "schema": None,
                "files": [],
            },
            "config": self.config,
            "manifest": self.manifest,
            "hooks": [],
            "version": self.version,
            "namespace": self.namespace,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Release:
        info = data.get("info") or {}
        chart = data.get("chart") or {}
        return cls(
            name=data["name"],
            namespace=data.get("namespace", ""),
            version=int(data.get("version", 0)),
            status=info.get("status", ""),
            chart_metadata=chart.get("metadata") or {},
            chart_values=chart.get("values") or {},
            config=data.get("config") or {},
            first_deployed=info.get("first_deployed", ""),
            last_deployed=info.get("last_deployed", ""),
            deleted=info.get("deleted", ""),
            description=info.get("description", ""),
            notes=info.get("notes", ""),
            manifest=data.get("manifest", ""),
        )

    def list_entry(self) -> dict[str, str]:
        """One item of ``helm list -o yaml`` (revision is a string there, as in Helm)."""
        return {
            "name": self.name,
            "namespace": self.namespace,
            "revision": str(self.version),
            "updated": list_time(self.last_deployed),
            "status": self.status,
            "chart": self.chart_label,
            "app_version": str(self.chart_metadata.get("appVersion", "") or ""),
        }


def encode(release: Release) -> str:
    payload = json.dumps(release.to_json(), separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(payload)).decode()


def decode(value: str) -> Release:
    raw = base64.b64decode(value)
    if raw[:3] == b"\x1f\x8b\x08":
        raw = gzip.decompress(raw)
    return Release.from_json(json.loads(raw))


def to_secret(release: Release) -> dict[str, Any]:
    helm_value = encode(release)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": release.secret_name,
            "namespace": release.namespace,
            "labels": {
                "name": release.name,
                "owner": "helm",
                "status": release.status,
                "version": str(release.version),
            },
        },
        "type": SECRET_TYPE,
        "data": {"release": base64.b64encode(helm_value.encode()).decode()},
    }


def from_secret(secret: dict[str, Any]) -> Release:
    helm_value = base64.b64decode(secret["data"]["release"]).decode()
    return decode(helm_value)


class ReleaseStore:
    """Read and write release revisions in one cluster."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube

    def history(self, namespace: str, name: str) -> list[Release]:
        secrets = self.kube.list_secrets(namespace, f"owner=helm,name={name}")
        releases = [from_secret(s) for s in secrets if s.get("type") == SECRET_TYPE]
        return sorted(releases, key=lambda r: r.version)

    def latest(self, namespace: str, name: str) -> Release | None:
        revisions = self.history(namespace, name)
        return revisions[-1] if revisions else None

    def all(self, namespace: str | None) -> list[Release]:
        secrets = self.kube.list_secrets(namespace, "owner=helm")
        return [from_secret(s) for s in secrets if s.get("type") == SECRET_TYPE]

    def create(self, release: Release) -> None:
        self.kube.create_secret(release.namespace, to_secret(release))

    def update(self, release: Release) -> None:
        self.kube.replace_secret(release.namespace, release.secret_name, to_secret(release))

    def delete(self, release: Release) -> None:
        self.kube.delete_secret(release.namespace, release.secret_name)


def latest_per_name(releases: list[Release]) -> list[Release]:
    newest: dict[tuple[str, str], Release] = {}
    for release in releases:
        key = (release.namespace, release.name)
        if key not in newest or release.version > newest[key].version:
            newest[key] = release
    return sorted(newest.values(), key=lambda r: (r.name, r.namespace))


NAME_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def valid_release_name(name: str) -> bool:
    """Helm's rule: a DNS-1123 subdomain of at most 53 characters."""
    return len(name) <= 53 and bool(NAME_PATTERN.match(name))
