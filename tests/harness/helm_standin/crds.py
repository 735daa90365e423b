"""The chart's CustomResourceDefinitions, created in the cluster from the upstream data.

Two behaviours, mirroring the real charts: CRDs in a chart's ``crds/`` directory are created
when absent and never updated (Helm's rule); CRDs the chart renders as templates are created
or updated, and only when the chart's own switch (e.g. cert-manager ``crds.enabled``) is on.
Uninstall keeps CRDs in both cases, as Helm and these charts do by default.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from tests.harness import upstream

from .args import UsageError
from .charts import Chart, notice
from .kube import Kube, KubeError

DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class CrdError(RuntimeError):
    """A CRD could not be installed or did not become Established in time."""


def parse_duration(text: str | None, default: float = 300.0) -> float:
    """Go's time.ParseDuration for the forms Helm users pass (``5m``, ``300s``, ``1m30s``)."""
    if not text:
        return default
    if text.isdigit():
        return float(text)
    parts = DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise UsageError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
    return sum(float(number) * UNITS[unit] for number, unit in parts)


def _dig(values: Mapping[str, Any], dotted: str) -> Any:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def chart_crds(chart: Chart, values: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The CRD documents this install should apply, and the mode (crds-dir or template)."""
    if chart.local_dir is not None:
        documents: list[dict[str, Any]] = []
        for path in sorted((chart.local_dir / "crds").glob("*.y*ml")):
            documents.extend(
                d for d in upstream.load_yaml_documents(path) if d.get("kind") == "CustomResourceDefinition"
            )
        return documents, upstream.CRD_DIR
    source, root = chart.source, chart.upstream_root
    if source is None or root is None:
        return [], upstream.CRD_DIR
    if source.crd_note:
        notice(f"{chart.describe()}: {source.crd_note}")
    if not source.crd_globs or not source.crd_condition(values):
        return [], source.crd_mode
    documents = upstream.crd_documents(source, root)
    if source.excluded_crds_path:
        excluded = set(_dig(values, source.excluded_crds_path) or [])
        documents = [d for d in documents if d.get("metadata", {}).get("name") not in excluded]
    return documents, source.crd_mode


def install_crds(kube: Kube, documents: list[dict[str, Any]], mode: str) -> list[str]:
    """Create (or, for templated CRDs, update) the CRDs; return the names handled."""
    names = []
    for document in documents:
        name = document["metadata"]["name"]
        names.append(name)
        try:
            existing = kube.get_crd(name)
            if existing is None:
                kube.create_crd(document)
            elif mode == upstream.CRD_TEMPLATE and existing.get("spec") != document.get("spec"):
                body = dict(document)
                body["metadata"] = dict(document["metadata"])
                body["metadata"]["resourceVersion"] = existing["metadata"].get("resourceVersion")
                kube.replace_crd(name, body)
        except KubeError as exc:
            raise CrdError(f"failed to install CRD {name}: {exc}") from exc
    return names


def wait_established(kube: Kube, names: list[str], timeout: float, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    pending = list(names)
    while pending:
        pending = [n for n in pending if not _established(kube.get_crd(n))]
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise CrdError(f"timed out waiting for the condition: CRDs not Established: {', '.join(pending)}")
        time.sleep(interval)


def _established(crd: dict[str, Any] | None) -> bool:
    conditions = ((crd or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)
