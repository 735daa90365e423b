"""The helm_release role's no-op path with the real helm 3.19: when helm's storage shows the release deployed with
the chart, version and values asked for, no helm process runs (no chart pulled, no write); a new version, a
changed value and a value changed behind the role's back are still applied, and check mode still shows the diff."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import KubeEmulator, run_playbook
from tests.integration.roles.helm_probe import (
    HELM3,
    NEEDS_REAL_HELM,
    NS,
    ROLE_PLAY,
    helm_env,
    logging_helm,
    serve_charts,
    stored_revisions,
    write_chart,
    writes,
)

pytestmark = NEEDS_REAL_HELM
# What kubernetes.core.helm runs to read a chart it installs or compares (modules/helm.py fetch_chart_info, deploy).
CHART_READS = ("show ", "pull ", "template ", "install ", "upgrade ")


@pytest.fixture
def chart_repo(tmp_path: Path) -> Iterator[str]:
    """A loopback chart repository serving the chart `probe` at 0.1.0 and 0.2.0 (values only, no templates)."""
    charts = [write_chart(tmp_path / "src" / version, "probe", version) for version in ("0.1.0", "0.2.0")]
    with serve_charts(charts, tmp_path / "charts") as url:
        yield url


@pytest.fixture
def helm_log(tmp_path: Path) -> Path:
    return tmp_path / "helm-calls.log"


@pytest.fixture
def env(kube_emulator: KubeEmulator, tmp_path: Path, helm_log: Path) -> dict[str, str]:
    """The emulator's environment with a `helm` first on PATH that logs its arguments and runs the real helm."""
    kube_emulator.create_namespace(NS)
    return helm_env(kube_emulator, tmp_path, logging_helm(tmp_path / "logged-bin", helm_log))


def _play(env: dict[str, str], extra_vars: dict[str, Any], *flags: str) -> tuple[dict[str, int], str]:
    run = run_playbook(ROLE_PLAY, extra_vars, env=env, args=flags)
    assert run.rc == 0, run.tail()
    line = next(x for x in run.stdout.splitlines() if x.startswith("localhost"))
    return {k: int(v) for k, v in (p.split("=") for p in line.split(":", 1)[1].split())}, run.stdout


def _vars(repo: str, version: str = "0.1.0", **values: Any) -> dict[str, Any]:
    release = {"name": "rel", "chart": "probe", "repo_url": repo, "version": version, "namespace": NS, "values": values}
    return {"helm_release_releases": [release]}


def _release(env: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Chart name-version and user values of release `rel`, as helm itself reports them."""
    listed = subprocess.run(
        [str(HELM3), "list", "-n", NS, "-o", "json"], env=env, capture_output=True, text=True, check=True
    )
    values = subprocess.run(
        [str(HELM3), "get", "values", "rel", "-n", NS, "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (release,) = [r for r in json.loads(listed.stdout) if r["name"] == "rel"]
    return release["chart"], yaml.safe_load(values.stdout) or {}


def _chart_reads(helm_log: Path) -> list[str]:
    calls = helm_log.read_text().splitlines() if helm_log.exists() else []
    return [c for c in calls if any(c.startswith(r) or f" {r}" in f" {c}" for r in CHART_READS)]


@pytest.mark.parametrize("driver", ["", "configmap"], ids=["secrets", "configmap-driver"])
def test_a_noop_rerun_neither_reads_the_chart_norwrites(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str], helm_log: Path, driver: str
) -> None:
    """The role reads the release where helm stored it: Secrets, or ConfigMaps with HELM_DRIVER=configmap."""
    env = dict(env, HELM_DRIVER=driver) if driver else env
    recap, _ = _play(env, _vars(chart_repo, greeting="hi"))
    assert recap["changed"] == 1
    assert _chart_reads(helm_log)  # the first run did read and install the chart
    stored = {kind: len(stored_revisions(kube_emulator, "rel", kind)) for kind in ("secrets", "configmaps")}
    assert stored == ({"secrets": 0, "configmaps": 1} if driver else {"secrets": 1, "configmaps": 0})
    helm_log.unlink()
    kube_emulator.clear_requests()

    recap, _ = _play(env, _vars(chart_repo, greeting="hi"))

    assert recap["changed"] == 0
    assert writes(kube_emulator) == []
    assert not helm_log.exists()  # no helm process at all: no chart read, not even the version check
    assert _release(env) == ("probe-0.1.0", {"greeting": "hi"})


@pytest.mark.parametrize(
    ("version", "values"),
    [
        ("0.2.0", {"greeting": "hi"}),
        ("0.1.0", {"greeting": "hey"}),
        ("0.1.0", {}),
        ("0.1.0", {"greeting": "hi", "x": 1}),
    ],
    ids=["new-version", "changed-value", "values-removed", "value-added"],
)
@pytest.mark.parametrize("driver", ["", "configmap"], ids=["secrets", "configmap-driver"])
def test_a_changed_version_or_value_is_still_applied(
    kube_emulator: KubeEmulator,
    chart_repo: str,
    env: dict[str, str],
    tmp_path: Path,
    version: str,
    values: dict[str, Any],
    driver: str,
) -> None:
    env = dict(env, HELM_DRIVER=driver) if driver else env
    _play(env, _vars(chart_repo, greeting="hi"))

    recap, _ = _play(env, _vars(chart_repo, version, **values))

    assert recap["changed"] == 1
    assert _release(env) == (f"probe-{version}", values)


def test_values_changed_behind_the_role_are_restored(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str], tmp_path: Path
) -> None:
    _play(env, _vars(chart_repo, greeting="hi"))
    drift = [str(HELM3), "upgrade", "rel", "probe", "--repo", chart_repo, "--version", "0.1.0", "-n", NS]
    subprocess.run([*drift, "--set", "greeting=drift"], env=env, capture_output=True, check=True)
    assert _release(env) == ("probe-0.1.0", {"greeting": "drift"})

    recap, _ = _play(env, _vars(chart_repo, greeting="hi"))

    assert recap["changed"] == 1
    assert _release(env) == ("probe-0.1.0", {"greeting": "hi"})


def test_check_mode_shows_a_changed_value_and_writes_nothing(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str], tmp_path: Path
) -> None:
    _play(env, _vars(chart_repo, greeting="hi"))
    kube_emulator.clear_requests()

    recap, out = _play(env, _vars(chart_repo, greeting="hey"), "--check", "--diff")

    assert recap["changed"] == 1
    assert "-  greeting: hi" in out and "+  greeting: hey" in out, out
    assert writes(kube_emulator) == []
    assert _release(env) == ("probe-0.1.0", {"greeting": "hi"})

    recap, out = _play(env, _vars(chart_repo, greeting="hi"), "--check", "--diff")
    assert recap["changed"] == 0
