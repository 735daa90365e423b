"""The loopback chart repository: the charts the roles pin, packaged from ../shared/upstream, installed by real helm."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import KubeEmulator
from tests.harness import chart_repo, launch, upstream

REPO_ROOT = Path(__file__).resolve().parents[2]
HELM = launch.tools_bin() / "helm"
UPSTREAM = upstream.upstream_dir()
pytestmark = pytest.mark.skipif(
    UPSTREAM is None or not HELM.is_file(), reason="needs ../shared/upstream and the real helm (make setup)"
)
ISTIO_CHARTS = ("base", "istiod", "cni", "ztunnel", "gateway")
# The chart each role's pinned version variable names (the istio role installs five charts at one version).
PINNED = {
    "cert_manager_chart_version": ("cert-manager",),
    "cert_manager_desec_chart_version": ("cert-manager-webhook-desec-http",),
    "gpu_operator_chart_version": ("gpu-operator",),
    "istio_chart_version": ISTIO_CHARTS,
    "keda_chart_version": ("keda",),
    "keda_http_addon_chart_version": ("keda-add-ons-http",),
    "prometheus_chart_version": ("kube-prometheus-stack",),
    "routes_authorino_chart_version": ("authorino-operator",),
}


def _role_defaults() -> dict[str, str]:
    defaults: dict[str, str] = {}
    for path in sorted((REPO_ROOT / "roles").glob("*/defaults/main.yml")):
        defaults.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return defaults


def _helm(emu: KubeEmulator, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(emu.bin_dir / "helm"), *args],
        env={**emu.env(), "LC_ALL": "C"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_pinned_chart_version_is_known() -> None:
    pinned = {name for name in _role_defaults() if name.endswith("_chart_version")}
    assert pinned == set(PINNED), "a role pins a chart this test (and the loopback repository) does not know"


def test_the_repository_serves_every_chart_the_roles_pin(kube_emulator_session: KubeEmulator) -> None:
    url = (kube_emulator_session.state_dir / chart_repo.URL_FILE).read_text().strip()
    defaults = _role_defaults()
    for variable, charts in PINNED.items():
        for chart in charts:
            shown = _helm(kube_emulator_session, "show", "chart", chart, "--repo", url, "--version", defaults[variable])
            assert shown.returncode == 0, f"{chart} {defaults[variable]}: {shown.stderr}"
            metadata = yaml.safe_load(shown.stdout)
            assert metadata["name"] == chart
            assert "dependencies" not in metadata  # the subcharts are not in the upstream data


def test_helm_installs_the_crds_and_stores_the_release(kube_emulator: KubeEmulator) -> None:
    url = (kube_emulator.state_dir / chart_repo.URL_FILE).read_text().strip()
    installed = _helm(
        kube_emulator,
        "install",
        "keda",
        "keda",
        "--repo",
        url,
        "--version",
        "2.20.2",
        "-n",
        "keda",
        "--create-namespace",
        "--wait",
        "--timeout",
        "60s",
    )
    assert installed.returncode == 0, installed.stderr
    status, crd = kube_emulator.request(
        "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/scaledobjects.keda.sh"
    )
    assert status == 200, crd
    listed = yaml.safe_load(_helm(kube_emulator, "list", "-n", "keda", "-o", "json").stdout)
    assert [(r["name"], r["chart"], r["status"]) for r in listed] == [("keda", "keda-2.20.2", "deployed")]


def test_helm_refuses_values_the_chart_schema_refuses_naming_the_key(kube_emulator: KubeEmulator) -> None:
    url = (kube_emulator.state_dir / chart_repo.URL_FILE).read_text().strip()
    refused = _helm(
        kube_emulator,
        "install",
        "cm",
        "cert-manager",
        "--repo",
        url,
        "--version",
        "v1.21.1",
        "-n",
        "cm",
        "--create-namespace",
        "--set",
        "replicaCount=many",
    )
    assert refused.returncode != 0
    assert "replicaCount" in refused.stderr, refused.stderr
    assert _helm(kube_emulator, "list", "-n", "cm", "-a", "-q").stdout.strip() == ""


def test_a_version_the_repository_does_not_hold_is_an_error_naming_it(kube_emulator: KubeEmulator) -> None:
    url = (kube_emulator.state_dir / chart_repo.URL_FILE).read_text().strip()
    missing = _helm(kube_emulator, "install", "k", "keda", "--repo", url, "--version", "9.9.9", "-n", "default")
    assert missing.returncode != 0
    assert "9.9.9" in missing.stderr, missing.stderr


def test_without_upstream_data_there_is_no_repository_and_the_reason_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(upstream.ENV_VAR, str(tmp_path / "absent"))
    state = tmp_path / "emulator"
    launch.start(state)
    try:
        assert not (state / chart_repo.URL_FILE).exists()
        assert "upstream test data is absent" in (state / launch.CHARTS_SKIPPED).read_text()
    finally:
        launch.stop(state)


def test_stop_ends_the_chart_server(tmp_path: Path) -> None:
    state = tmp_path / "emulator"
    launch.start(state)
    pid = int((state / launch.CHARTS_PID).read_text())
    launch.stop(state)
    assert not Path(f"/proc/{pid}").exists() or b"chart_repo" not in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_the_chart_installed_by_path_is_unpacked_under_its_own_name(kube_emulator_session: KubeEmulator) -> None:
    """The deSEC webhook (an OCI reference upstream) is installed from a folder named after the chart."""
    for chart in chart_repo.BY_PATH:
        folder = kube_emulator_session.state_dir / chart_repo.UNPACKED_DIR / chart
        metadata = yaml.safe_load((folder / "Chart.yaml").read_text())
        assert metadata["name"] == chart
        assert metadata["version"] == _role_defaults()["cert_manager_desec_chart_version"]
