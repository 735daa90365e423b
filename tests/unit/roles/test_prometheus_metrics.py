"""The project's metric list names its sources and agrees with them.

The list (roles/prometheus/files/known_metrics.yml) is what the PromQL tests check against; here it is checked
against the upstream data (vLLM metrics tables read from the release wheels, dcgm-exporter's default counters)
when ../shared/upstream is present.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from role_render import known_metrics

from tests.harness.upstream import upstream_dir

UPSTREAM = upstream_dir()
needs_upstream = pytest.mark.skipif(UPSTREAM is None, reason="../shared/upstream (GPUOPS_UPSTREAM_DIR) is absent")


def _vllm_upstream(version: str) -> dict[str, dict[str, str]]:
    assert UPSTREAM is not None
    with (UPSTREAM / "vllm" / version / "metrics.csv").open(encoding="utf-8", newline="") as handle:
        return {row["name"]: row for row in csv.DictReader(handle)}


def _dcgm_upstream(path: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, kind = (part.strip() for part in line.split(",")[:2])
        if kind != "label":
            fields[name] = kind
    return fields


def test_every_metric_group_names_its_source() -> None:
    catalog = known_metrics()
    assert set(catalog) == {"vllm", "dcgm_exporter", "kube_state_metrics"}
    for group in catalog.values():
        for version, entry in group.items():
            assert len(entry["source"]) > 40, version
            assert entry["metrics"], version


def test_the_pinned_vllm_versions_both_have_a_list_without_the_renamed_names() -> None:
    vllm = known_metrics()["vllm"]
    assert set(vllm) == {"v0.21.0", "v0.33.0"}
    for entry in vllm.values():
        assert "vllm:kv_cache_usage_perc" in entry["metrics"]
        assert "vllm:gpu_cache_usage_perc" not in entry["metrics"]


@needs_upstream
@pytest.mark.upstream
@pytest.mark.parametrize("version", ["v0.21.0", "v0.33.0"])
def test_vllm_names_types_and_labels_match_the_release(version: str) -> None:
    upstream = _vllm_upstream(version)
    for name, spec in known_metrics()["vllm"][version]["metrics"].items():
        assert name in upstream, f"{name} is not exported by vLLM {version}"
        assert upstream[name]["type"] == spec["type"], name
        assert upstream[name]["labels"].split(";") == spec["labels"], name


@needs_upstream
@pytest.mark.upstream
def test_dcgm_names_and_types_match_the_default_counters() -> None:
    assert UPSTREAM is not None
    (version,) = known_metrics()["dcgm_exporter"]
    upstream = _dcgm_upstream(UPSTREAM / "dcgm-exporter" / version / "default-counters.csv")
    listed = {name: spec["type"] for name, spec in known_metrics()["dcgm_exporter"][version]["metrics"].items()}
    assert listed == upstream
