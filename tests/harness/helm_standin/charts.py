"""Chart references and repositories, answered from the upstream data instead of the network.

``repo add`` only records the URL (nothing is fetched). A chart reference resolves to its
upstream ``Chart.yaml`` / ``values.yaml`` / ``values.schema.json`` when the catalog in
tests/harness/upstream.py knows the chart and version; otherwise a Chart.yaml is synthesized
from the requested name and version and a notice says that nothing is checked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.harness import upstream

from .args import UsageError

PLACEHOLDER_VERSIONS = frozenset({"0.0.0", "v0.0.0", "1.0.0", "v1.0.0-devel", "0.0.0-template", "main-latest"})
DEFAULT_VERSION = "0.1.0"


def notice(message: str) -> None:
    print(f"helm stand-in: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- repositories


def repository_config_path(explicit: str | None = None) -> Path:
    """Where Helm keeps repositories.yaml (flag, HELM_REPOSITORY_CONFIG, HELM_CONFIG_HOME, XDG)."""
    if explicit:
        return Path(explicit)
    if os.environ.get("HELM_REPOSITORY_CONFIG"):
        return Path(os.environ["HELM_REPOSITORY_CONFIG"])
    if os.environ.get("HELM_CONFIG_HOME"):
        return Path(os.environ["HELM_CONFIG_HOME"]) / "repositories.yaml"
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "helm" / "repositories.yaml"


def load_repositories(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    content = upstream.yaml_load(path.read_text(encoding="utf-8")) or {}
    return list(content.get("repositories") or [])


@contextlib.contextmanager
def repositories_lock(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of repositories.yaml across processes (Helm uses a .lock file too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_repositories(path: Path, repositories: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"apiVersion": "", "generated": "0001-01-01T00:00:00Z", "repositories": repositories}
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".repositories-", suffix=".yaml")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(yaml.safe_dump(document, sort_keys=True))
    os.replace(temporary, path)


def repository_entry(name: str, url: str, username: str | None, insecure: bool, pass_all: bool) -> dict[str, Any]:
    # The password is deliberately not stored: nothing is ever fetched, and secrets must not
    # land in files the tests may print.
    return {
        "caFile": "",
        "certFile": "",
        "insecure_skip_tls_verify": insecure,
        "keyFile": "",
        "name": name,
        "pass_credentials_all": pass_all,
        "password": "",
        "url": url,
        "username": username or "",
    }


# --------------------------------------------------------------------------- charts


@dataclass
class Chart:
    reference: str
    name: str
    version: str
    metadata: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)
    values_path: Path | None = None
    schema_path: Path | None = None
    source: upstream.ChartSource | None = None
    upstream_root: Path | None = None
    local_dir: Path | None = None

    @property
    def checked(self) -> bool:
        return self.values_path is not None

    def free_keys(self) -> frozenset[str]:
        """Top-level keys accepted with any content: subcharts, ``global``, template-only keys."""
        names = {"global"}
        for dependency in self.metadata.get("dependencies") or []:
            names.add(str(dependency.get("alias") or dependency.get("name")))
        if self.source is not None:
            names.update(self.source.extra_keys)
        return frozenset(names)

    def effective_defaults(self) -> dict[str, Any]:
        """Defaults as the templates see them (Istio merges its nested defaults over .Values)."""
        key = self.source.defaults_key if self.source else None
        if key and isinstance(self.defaults.get(key), dict):
            flattened = {k: v for k, v in self.defaults.items() if k != key}
            flattened.update(self.defaults[key])
            return flattened
        return self.defaults

    def describe(self) -> str:
        return f"{self.name} {self.version}"


def _is_local(reference: str) -> bool:
    return reference.startswith(("/", "./", "../", "~")) or Path(reference).is_dir()


def _read_yaml(path: Path) -> Any:
    return upstream.yaml_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def resolve(reference: str, version: str | None, repo_url: str | None, repo_config: Path) -> Chart:
    """Turn a chart reference into chart metadata and the files to check values against."""
    if _is_local(reference):
        return _local_chart(reference, version)
    if not reference.startswith("oci://") and not repo_url:
        repo_name, slash, _chart = reference.partition("/")
        if not slash:
            raise UsageError(f"non-absolute URLs should be in form of repo_name/path_to_chart, got: {reference}")
        if not any(r.get("name") == repo_name for r in load_repositories(repo_config)):
            raise UsageError(f"repo {repo_name} not found")
    name = upstream.chart_name_of(reference)
    root = upstream.upstream_dir()
    source = upstream.find_chart(reference, version) if root is not None else None
    if source is None:
        return Chart(reference, name, version or DEFAULT_VERSION, _synthesized(name, version or DEFAULT_VERSION))
    chart_dir = root / source.chart_dir
    metadata = dict(_read_yaml(chart_dir / "Chart.yaml") or {})
    chosen = version or source.versions[0]
    # Upstream Chart.yaml files often carry placeholders that CI replaces at release time.
    upstream_version = str(metadata.get("version"))
    placeholders = {upstream_version, str(metadata.get("appVersion"))} <= PLACEHOLDER_VERSIONS
    if placeholders and upstream_version != chosen:
        metadata["appVersion"] = chosen
    metadata["version"] = chosen
    _stringify_versions(metadata)
    schema = chart_dir / "values.schema.json"
    return Chart(
        reference=reference,
        name=str(metadata.get("name") or name),
        version=chosen,
        metadata=metadata,
        defaults=dict(_read_yaml(chart_dir / "values.yaml") or {}),
        values_path=chart_dir / "values.yaml",
        schema_path=schema if schema.is_file() else None,
        source=source,
        upstream_root=root,
    )


def _local_chart(reference: str, version: str | None) -> Chart:
    directory = Path(reference).expanduser()
    chart_file = directory / "Chart.yaml"
    if not chart_file.is_file():
        raise UsageError(
            f"path {reference!r} not found" if not directory.exists() else f"Chart.yaml file is missing in {reference}"
        )
    metadata = dict(_read_yaml(chart_file) or {})
    _stringify_versions(metadata)
    if version and metadata.get("version") != version:
        raise UsageError(f"chart {metadata.get('name')} version {version} not found in {reference}")
    values_path = directory / "values.yaml"
    schema = directory / "values.schema.json"
    return Chart(
        reference=reference,
        name=str(metadata.get("name", directory.name)),
        version=str(metadata.get("version", DEFAULT_VERSION)),
        metadata=metadata,
        defaults=dict(_read_yaml(values_path) or {}),
        values_path=values_path if values_path.is_file() else None,
        schema_path=schema if schema.is_file() else None,
        local_dir=directory,
    )


def _stringify_versions(metadata: dict[str, Any]) -> None:
    """YAML may read ``version: 1.10`` as a number; Helm and kubernetes.core treat versions as strings."""
    for key in ("version", "appVersion"):
        if key in metadata and metadata[key] is not None:
            metadata[key] = str(metadata[key])


def _synthesized(name: str, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "v2",
        "name": name,
        "version": version,
        "description": "Chart.yaml synthesized by the helm stand-in (no upstream data)",
        "type": "application",
    }


def missing_data_notice(chart: Chart) -> str:
    if upstream.upstream_dir() is None:
        reason = f"upstream folder not found (set {upstream.ENV_VAR} or provide ../shared/upstream)"
    else:
        known = upstream.known_versions(chart.reference)
        reason = f"known versions: {', '.join(known)}" if known else "chart not in the catalog"
    return f"no upstream data for {chart.name} {chart.version}: values and CRDs not checked ({reason})"
