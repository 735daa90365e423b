"""The upstream chart catalog: every entry points at files that exist and parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import upstream

ROOT = upstream.upstream_dir()
needs_upstream = pytest.mark.skipif(ROOT is None, reason="../shared/upstream is absent")


@pytest.mark.upstream
@needs_upstream
@pytest.mark.parametrize("source", upstream.CATALOG, ids=lambda s: f"{s.names[0]}-{s.versions[0]}")
def test_catalog_entries_point_at_parsable_upstream_files(source: upstream.ChartSource) -> None:
    assert ROOT is not None
    chart_dir = ROOT / source.chart_dir
    assert upstream.yaml_load((chart_dir / "Chart.yaml").read_text())["name"] in source.names
    assert (chart_dir / "values.yaml").is_file()
    documents = upstream.crd_documents(source, ROOT)
    assert len(documents) >= len(source.crd_globs)  # every glob contributes at least one CRD
    assert all(d["apiVersion"] == "apiextensions.k8s.io/v1" and d["metadata"]["name"] for d in documents)


@pytest.mark.parametrize(
    ("reference", "version", "expected_dir"),
    [
        ("jetstack/cert-manager", "v1.21.1", "cert-manager/v1.21.1/chart"),
        ("oci://ghcr.io/example/charts/gpu-operator", "26.7.0", "gpu-operator/v26.7.0"),
        ("istio/cni", "1.30.0", "istio/1.30.0/istio-cni"),
        ("istio/istiod", None, "istio/1.30.3/istio-discovery"),
        ("kedacore/keda-add-ons-http", "0.15.0", "keda-charts/v2.20.2/http-add-on"),
    ],
)
def test_references_match_by_chart_name_and_version(reference: str, version: str | None, expected_dir: str) -> None:
    found = upstream.find_chart(reference, version)
    assert found is not None and found.chart_dir == expected_dir


def test_unknown_versions_and_charts_do_not_match() -> None:
    assert upstream.find_chart("jetstack/cert-manager", "v1.20.0") is None
    assert upstream.find_chart("example/widget", None) is None


@pytest.mark.upstream
@needs_upstream
def test_gateway_api_manifests_are_the_standard_channel_crds() -> None:
    documents = upstream.gateway_api_manifests("v1.6.1")
    names = {d["metadata"]["name"] for d in documents if d["kind"] == "CustomResourceDefinition"}
    assert {"gateways.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io"} <= names


def test_the_environment_variable_overrides_the_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(upstream.ENV_VAR, str(tmp_path))
    assert upstream.upstream_dir() == tmp_path
    monkeypatch.setenv(upstream.ENV_VAR, str(tmp_path / "missing"))
    assert upstream.upstream_dir() is None
