"""Locate the upstream test data (../shared/upstream) and map Helm charts to it.

The upstream folder holds byte-for-byte copies of chart ``Chart.yaml`` / ``values.yaml`` /
``values.schema.json`` files and CRD manifests (see its SOURCES.md). It is test data that
lives outside the repository, so every consumer must cope with its absence: ``upstream_dir()``
returns ``None`` then, and callers skip (tests) or print a notice (stand-ins).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "GPUOPS_UPSTREAM_DIR"

# "crds-dir": Helm's crds/ directory semantics (created when absent, never updated).
# "template": the chart renders its CRDs as templates (created or updated on every upgrade).
CRD_DIR = "crds-dir"
CRD_TEMPLATE = "template"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml when available (large CRDs cost seconds in pure Python), safe constructors only."""


# YAML 1.1 resolves a bare "=" to the "value" tag, which the safe constructors lack; some
# CRDs (prometheus-operator's enum of match operators) contain exactly that scalar.
_Loader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)
_LOADER = _Loader


def yaml_load(stream: Any) -> Any:
    return yaml.load(stream, Loader=_LOADER)  # noqa: S506 - a safe loader, chosen above


def upstream_dir() -> Path | None:
    """Return the upstream data folder, or None when it is not there."""
    configured = os.environ.get(ENV_VAR)
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "upstream"
    return path if path.is_dir() else None


def _dig(values: Mapping[str, Any], dotted: str, default: Any) -> Any:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def _flag(*paths: str, default: bool) -> Callable[[Mapping[str, Any]], bool]:
    """A CRD condition true when any of the value paths is true (the chart's own switch)."""

    def condition(values: Mapping[str, Any]) -> bool:
        return any(bool(_dig(values, p, default)) for p in paths)

    return condition


def _always(_values: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class ChartSource:
    """Where the upstream files of one chart version live, and how the chart installs its CRDs."""

    names: tuple[str, ...]
    versions: tuple[str, ...]
    chart_dir: str
    crd_globs: tuple[str, ...] = ()
    crd_mode: str = CRD_DIR
    crd_condition: Callable[[Mapping[str, Any]], bool] = _always
    # Istio charts nest their defaults under this key and merge it over .Values in templates.
    defaults_key: str | None = None
    # Keys the templates read although values.yaml does not define them.
    extra_keys: tuple[str, ...] = ()
    # Said in the notice when only part of the CRDs (or none) exist upstream.
    crd_note: str = ""
    # Value path of a list of CRD names the chart skips (Istio base: base.excludedCRDs).
    excluded_crds_path: str | None = None

    def matches(self, name: str, version: str) -> bool:
        return name in self.names and _norm(version) in {_norm(v) for v in self.versions}


def _norm(version: str) -> str:
    return version[1:] if version.startswith("v") else version


ISTIO_VERSIONS = ("1.30.0", "1.30.3")
ISTIO_CHARTS = {
    "base": "base",
    "istiod": "istio-discovery",
    "cni": "istio-cni",
    "ztunnel": "ztunnel",
    "gateway": "gateway",
}
ISTIO_EXTRA_KEYS = ("profile", "compatibilityVersion", "platform", "enabled")


def _catalog() -> list[ChartSource]:
    entries = [
        ChartSource(
            names=("cert-manager",),
            versions=("v1.21.1",),
            chart_dir="cert-manager/v1.21.1/chart",
            crd_globs=("cert-manager/v1.21.1/*.yaml",),
            crd_mode=CRD_TEMPLATE,
            crd_condition=_flag("crds.enabled", "installCRDs", default=False),
        ),
        ChartSource(
            names=("kube-prometheus-stack",),
            versions=("88.5.3",),
            chart_dir="kube-prometheus-stack/88.5.3",
            crd_globs=("prometheus-operator/v0.93.0/*.yaml",),
            crd_condition=_flag("crds.enabled", default=True),
            crd_note="prometheus-operator v0.93.0 CRDs (the chart bundles v0.93.1)",
        ),
        ChartSource(
            names=("kube-prometheus-stack",),
            versions=("65.0.0",),
            chart_dir="kube-prometheus-stack/65.0.0",
            crd_note="its prometheus-operator v0.77.1 CRDs are not in the upstream data",
        ),
        ChartSource(
            names=("keda",),
            versions=("2.20.2",),
            chart_dir="keda-charts/v2.20.2/keda",
            crd_globs=("keda/v2.20.2/keda.sh_*.yaml",),
            crd_mode=CRD_TEMPLATE,
            crd_condition=_flag("crds.install", default=True),
            crd_note="the eventing.keda.sh CRDs are not in the upstream data",
        ),
        ChartSource(
            names=("keda-add-ons-http",),
            versions=("0.15.0",),
            chart_dir="keda-charts/v2.20.2/http-add-on",
            crd_globs=("keda-http-add-on/v0.15.0/http.keda.sh_*.yaml",),
            crd_mode=CRD_TEMPLATE,
            crd_condition=_flag("crds.install", default=True),
        ),
        ChartSource(
            names=("gpu-operator",),
            versions=("v26.7.0",),
            chart_dir="gpu-operator/v26.7.0",
            crd_globs=("gpu-operator/v26.7.0/crds/*.yaml",),
            crd_note="the node-feature-discovery subchart CRDs are not in the upstream data",
        ),
        ChartSource(
            names=("cert-manager-webhook-desec", "desec-webhook"),
            versions=("1.0.6", "0.0.4"),
            chart_dir="cert-manager-webhook-desec/1.0.6",
        ),
        ChartSource(
            names=("cert-manager-webhook-desec-http",),
            # The role pins 1.0.1 (the chart of tag v1.0.1); the packaged copy carries the version as pinned.
            versions=("1.0.1", "v1.0.1"),
            chart_dir="cert-manager-webhook-desec-http/v1.0.1",
        ),
        ChartSource(
            names=("authorino-operator",),
            versions=("0.26.0",),
            chart_dir="authorino-operator/v0.26.0/chart",
            crd_globs=(
                "authorino-operator/v0.26.0/operator.authorino.kuadrant.io_authorinos.yaml",
                "authorino/v0.27.0/authorino.kuadrant.io_authconfigs.yaml",
            ),
            crd_mode=CRD_TEMPLATE,
            crd_note="AuthConfig CRD from authorino v0.27.0 (without the kustomize oneOf patch)",
        ),
    ]
    for version in ISTIO_VERSIONS:
        for name, folder in ISTIO_CHARTS.items():
            is_base = name == "base"
            entries.append(
                ChartSource(
                    names=(name,),
                    versions=(version,),
                    chart_dir=f"istio/{version}/{folder}",
                    crd_globs=(f"istio/{version}/base/files/crd-all.gen.yaml",) if is_base else (),
                    crd_mode=CRD_TEMPLATE,
                    crd_condition=_flag("base.enableCRDTemplates", default=True),
                    defaults_key="_internal_defaults_do_not_set",
                    extra_keys=ISTIO_EXTRA_KEYS,
                    excluded_crds_path="base.excludedCRDs" if is_base else None,
                )
            )
    return entries


CATALOG: tuple[ChartSource, ...] = tuple(_catalog())


def chart_name_of(reference: str) -> str:
    """The chart name of a reference: ``repo/name``, ``oci://host/path/name`` or a local path."""
    return reference.rstrip("/").rsplit("/", 1)[-1]


def find_chart(reference: str, version: str | None) -> ChartSource | None:
    """The catalog entry for a chart reference and version (no version: the newest known)."""
    name = chart_name_of(reference)
    candidates = [c for c in CATALOG if name in c.names]
    if version is None:
        return sorted(candidates, key=lambda c: _version_key(c.versions[0]))[-1] if candidates else None
    return next((c for c in candidates if c.matches(name, version)), None)


def known_versions(reference: str) -> list[str]:
    name = chart_name_of(reference)
    return [c.versions[0] for c in CATALOG if name in c.names]


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in _norm(version).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def load_yaml_documents(path: Path) -> Iterator[dict[str, Any]]:
    """The non-empty YAML documents of a manifest file."""
    with path.open(encoding="utf-8") as handle:
        for document in yaml.load_all(handle, Loader=_LOADER):
            if isinstance(document, dict) and document:
                yield document


def crd_documents(source: ChartSource, root: Path) -> list[dict[str, Any]]:
    """The CustomResourceDefinitions a chart ships, read from the upstream folder."""
    documents: list[dict[str, Any]] = []
    for pattern in source.crd_globs:
        for path in sorted(root.glob(pattern)):
            documents.extend(d for d in load_yaml_documents(path) if d.get("kind") == "CustomResourceDefinition")
    return documents


def gateway_api_manifests(version: str = "v1.6.1", root: Path | None = None) -> list[dict[str, Any]]:
    """The Gateway API standard-channel manifests (CRDs and the safe-upgrades admission policy).

    Gateway API ships plain manifests, not a chart, so the harness applies these directly.
    Returns an empty list when the upstream data is absent.
    """
    base = root or upstream_dir()
    if base is None:
        return []
    documents: list[dict[str, Any]] = []
    for path in sorted((base / "gateway-api" / version).glob("*.yaml")):
        documents.extend(load_yaml_documents(path))
    return documents
