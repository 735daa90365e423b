"""The strict check of a role's chart values against the chart's upstream values.yaml.

Stricter than Helm on purpose: Helm silently ignores a key that the chart does not read, and in this project such a
key is almost always a misspelling. Helm itself validates the values against values.schema.json (the real helm
installs the charts packaged by tests/harness/chart_repo.py); this check covers the charts without a schema and the
keys a schema leaves open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tests.harness import upstream

# Subtrees that charts pass through verbatim to Kubernetes objects or config files; any child
# key is legitimate there although values.yaml cannot list it.
FREE_FORM = frozenset(
    {
        "additionalLabels",
        "additionalAnnotations",
        "additionalContainers",
        "affinity",
        "annotations",
        "args",
        "commonLabels",
        "config",
        "containerSecurityContext",
        "deploymentAnnotations",
        "deploymentLabels",
        "dnsConfig",
        "env",
        "envFrom",
        "envVarFrom",
        "extraArgs",
        "extraContainers",
        "extraEnv",
        "extraEnvVars",
        "extraInitContainers",
        "extraObjects",
        "extraVolumeMounts",
        "extraVolumes",
        "hostAliases",
        "imagePullSecrets",
        "initContainers",
        "labels",
        "lifecycle",
        "livenessProbe",
        "meshConfig",
        "nodeSelector",
        "podAnnotations",
        "podLabels",
        "podSecurityContext",
        "readinessProbe",
        "resources",
        "securityContext",
        "serviceAccountAnnotations",
        "serviceAnnotations",
        "serviceLabels",
        "sidecars",
        "startupProbe",
        "tolerations",
        "topologySpreadConstraints",
        "volumeMounts",
        "volumes",
    }
)


def format_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            escaped = part.replace(".", "\\.")
            text += f".{escaped}" if text else escaped
    return text


def unknown_keys(
    user: Any,
    upstream: Any,
    free_keys: frozenset[str] = frozenset(),
    path: tuple[str | int, ...] = (),
) -> list[str]:
    """Key paths of ``user`` that ``upstream`` (values.yaml) does not define.

    ``free_keys`` are top-level keys accepted with any content (subchart names, keys that
    templates read without a default).
    """
    found: list[str] = []
    # An empty map accepts anything below the root; at the root it means the chart takes no values.
    if isinstance(user, Mapping) and isinstance(upstream, Mapping) and (upstream or not path):
        for key, value in user.items():
            key_text = str(key)
            if not path and key_text in free_keys:
                continue
            if key_text not in upstream:
                found.append(format_path((*path, key_text)))
            elif key_text not in FREE_FORM:
                found.extend(unknown_keys(value, upstream[key_text], frozenset(), (*path, key_text)))
    elif isinstance(user, list) and isinstance(upstream, list) and upstream and isinstance(upstream[0], Mapping):
        for position, item in enumerate(user):
            found.extend(unknown_keys(item, upstream[0], frozenset(), (*path, position)))
    return found


def chart_defaults(source: upstream.ChartSource, root: Path) -> dict[str, Any]:
    """The chart's values.yaml as its templates see it (Istio merges its nested defaults over .Values)."""
    with (root / source.chart_dir / "values.yaml").open(encoding="utf-8") as handle:
        defaults = upstream.yaml_load(handle) or {}
    key = source.defaults_key
    if key and isinstance(defaults.get(key), dict):
        flattened = {k: v for k, v in defaults.items() if k != key}
        flattened.update(defaults[key])
        return flattened
    return defaults


def free_keys(source: upstream.ChartSource, root: Path) -> frozenset[str]:
    """Top-level keys accepted with any content: ``global``, subcharts, keys templates read without a default."""
    metadata = upstream.yaml_load((root / source.chart_dir / "Chart.yaml").read_text(encoding="utf-8")) or {}
    names = {"global", *source.extra_keys}
    for dependency in metadata.get("dependencies") or []:
        names.add(str(dependency.get("alias") or dependency.get("name")))
    return frozenset(names)


def unknown_chart_keys(values: Mapping[str, Any], chart: str, version: str, root: Path) -> list[str]:
    """Key paths of ``values`` that the pinned chart's upstream values.yaml does not define."""
    source = upstream.find_chart(chart, version)
    if source is None:
        raise LookupError(f"no upstream data for chart {chart} {version} in tests/harness/upstream.py's catalog")
    return unknown_keys(values, chart_defaults(source, root), free_keys(source, root))
