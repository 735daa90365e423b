"""Shared fixtures: a Kubernetes API emulator per test (or per session) and a way to run ansible-playbook on it."""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import launch

REPO_ROOT = Path(__file__).resolve().parents[1]
PLAYBOOK_TIMEOUT = 300
LOCAL_CHART_VARS = REPO_ROOT / "inventories" / "local" / "group_vars" / "all" / "charts.yml"


class KubeEmulator:
    """A running emulator, as tests see it."""

    def __init__(self, emulator: launch.Emulator) -> None:
        self._emulator = emulator
        self.url = emulator.url
        self.kubeconfig = emulator.kubeconfig
        self.token = emulator.token
        self.bin_dir = emulator.bin_dir
        self.state_dir = emulator.state_dir
        config = yaml.safe_load(self.kubeconfig.read_text())
        ca_pem = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode()
        self.ssl_context = ssl.create_default_context(cadata=ca_pem)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        token: str | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        """One HTTPS call; returns (status, decoded JSON body or text)."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Authorization": f"Bearer {self.token if token is None else token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        split = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPSConnection(
            split.hostname or "127.0.0.1", split.port, context=self.ssl_context, timeout=30
        )
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            status, payload, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
        finally:
            conn.close()
        if "json" in ctype:
            return status, json.loads(payload)
        return status, payload.decode()

    def requests(self) -> list[dict[str, Any]]:
        status, body = self.request("GET", "/_harness/requests")
        assert status == 200, body
        return body

    def clear_requests(self) -> None:
        self.request("DELETE", "/_harness/requests")

    def set_faults(self, rate: float, kinds: list[str] | None = None) -> None:
        status, body = self.request("PUT", "/_harness/faults", {"rate": rate, "kinds": kinds or ["429", "503"]})
        assert status == 200, body

    def api_client(self) -> Any:
        from kubernetes import config

        return config.new_client_from_config(str(self.kubeconfig))

    def env(self) -> dict[str, str]:
        """Environment for ansible subprocesses; TMPDIR isolates kubernetes.core's discovery cache per emulator."""
        tmp = self.state_dir / "tmp"
        tmp.mkdir(exist_ok=True)
        return {
            **os.environ,
            "K8S_AUTH_KUBECONFIG": str(self.kubeconfig),
            "KUBECONFIG": str(self.kubeconfig),
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "TMPDIR": str(tmp),
        }


def _start(state_dir: Path, extra_args: list[str] | None = None) -> Iterator[KubeEmulator]:
    emulator = launch.start(state_dir, extra_args)
    try:
        yield KubeEmulator(emulator)
    finally:
        launch.stop(state_dir)


@pytest.fixture
def kube_emulator(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[KubeEmulator]:
    """A fresh emulator for one test; `@pytest.mark.emulator_args([...])` passes extra emulator flags."""
    marker = request.node.get_closest_marker("emulator_args")
    extra = list(marker.args[0]) if marker else []
    for emulator in _start(tmp_path / "emulator", extra):
        if request.node.get_closest_marker("needs_charts"):
            skip_without_charts(emulator)
        yield emulator


@pytest.fixture
def pvc_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the Hub fake's job runner keeps PVC contents (tests.harness.hf_fake.job_runner).

    The emulator inherits it when it starts, so modules that seed through the runner list this fixture in
    `pytest.mark.usefixtures`, which pytest sets up before the fixtures a test asks for by argument.
    """
    root = tmp_path / "pvcs"
    monkeypatch.setenv("GPUOPS_FAKE_PVC_ROOT", str(root))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    return root


@pytest.fixture(scope="session")
def kube_emulator_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeEmulator]:
    """One emulator shared by a whole session (tests must use their own namespaces)."""
    yield from _start(tmp_path_factory.mktemp("emulator-session"))


def run_playbook(
    playbook: str | os.PathLike[str],
    extra_vars: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: int = PLAYBOOK_TIMEOUT,
) -> tuple[int, str, str]:
    """Run ansible-playbook (from this interpreter's venv) against localhost; `playbook` is a path or YAML text."""
    with tempfile.TemporaryDirectory(prefix="playbook-") as tmp:
        path = Path(playbook) if not isinstance(playbook, str) or "\n" not in playbook else None
        if path is None:
            path = Path(tmp) / "playbook.yml"
            path.write_text(str(playbook))
        vars_file = Path(tmp) / "extra_vars.json"
        vars_file.write_text(json.dumps({"ansible_python_interpreter": sys.executable, **(extra_vars or {})}))
        run_env = dict(env or os.environ)
        if (REPO_ROOT / "ansible.cfg").exists():
            run_env["ANSIBLE_CONFIG"] = str(REPO_ROOT / "ansible.cfg")
        run_env.setdefault("ANSIBLE_NOCOLOR", "1")
        chart_vars = _local_chart_vars(run_env)
        argv = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"@{vars_file}",
            *chart_vars,
            str(path),
        ]
        proc = subprocess.run(
            argv, env=run_env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        return proc.returncode, proc.stdout, proc.stderr


def skip_without_charts(emulator: KubeEmulator) -> None:
    """Skip, saying why, when the test cluster serves no chart repository (no upstream data or no real helm)."""
    skipped = emulator.state_dir / launch.CHARTS_SKIPPED
    if skipped.is_file():
        pytest.skip(skipped.read_text().strip())


def _local_chart_vars(env: Mapping[str, str]) -> list[str]:
    """`-e @charts.yml` of the local inventory when the playbook's test cluster serves a chart repository.

    Playbooks run here with `-i localhost,`, not the local inventory; without these vars the roles would ask helm
    for their upstream repositories, which this machine cannot reach.
    """
    kubeconfig = env.get("K8S_AUTH_KUBECONFIG")
    if kubeconfig and (Path(kubeconfig).parent / "charts_url").is_file():
        return ["-e", f"@{LOCAL_CHART_VARS}"]
    return []


@pytest.fixture(name="run_playbook")
def run_playbook_fixture() -> Callable[..., tuple[int, str, str]]:
    """The `run_playbook(path_or_text, extra_vars, env)` helper as a fixture."""
    return run_playbook


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator_args(args): extra command-line flags for the kube_emulator fixture")
    config.addinivalue_line("markers", "needs_charts: skip when the kube_emulator serves no chart repository")
