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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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

    def create_namespace(self, name: str) -> None:
        """Create the namespace `name`, as a test's starting state (not a request the test is about)."""
        status, body = self.request(
            "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        )
        assert status == 201, body

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


def seeds_through_jobs() -> list[pytest.MarkDecorator]:
    """The marks of a test module whose seeding Jobs really run: the emulator runs each Job with the collection's
    downloader against the Hub fake (tests/harness/hf_fake/job_runner.py), the PVCs' contents land in `pvc_root`."""
    from tests.harness.hf_fake.job_runner import EMULATOR_ARGS

    return [pytest.mark.emulator_args(EMULATOR_ARGS), pytest.mark.usefixtures("pvc_root"), pytest.mark.slow]


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


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class PlaybookRun:
    """What one ansible-playbook run left: its exit code, its output, and the emulator's requests during the run.

    Unpacks as ``rc, stdout, stderr`` so a test reads ``rc, out, err = run_playbook(...)``.
    """

    rc: int
    stdout: str
    stderr: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.rc, self.stdout, self.stderr))

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def writes(self) -> list[str]:
        """``"METHOD path"`` of every write the emulator received during the run (dry runs included)."""
        return [f"{r['method']} {r['path']}" for r in self.requests if r["method"] in WRITES]

    @property
    def real_writes(self) -> list[str]:
        """The writes that were not server-side dry runs (``dryRun=All``): what changed the cluster."""
        return [
            f"{r['method']} {r['path']}"
            for r in self.requests
            if r["method"] in WRITES and "dryRun" not in (r.get("query") or {})
        ]

    def tail(self, chars: int = 3000) -> str:
        return self.stdout[-chars:] + self.stderr[-chars:]


def role_play(role: str) -> str:
    """The play that applies one of the collection's roles on localhost, as a user's playbook would."""
    return (
        f"- name: Apply the {role} role\n  hosts: localhost\n  gather_facts: false\n"
        f"  roles:\n    - role: gpuops.llm_inference.{role}\n"
    )


def run_playbook(
    playbook: str | os.PathLike[str],
    extra_vars: Mapping[str, Any] | None = None,
    *,
    emulator: KubeEmulator | None = None,
    inventory: str | os.PathLike[str] | None = None,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: int = PLAYBOOK_TIMEOUT,
) -> PlaybookRun:
    """Run ansible-playbook (from this interpreter's venv) the one way every test does.

    ``playbook`` is a path (relative to the checkout) or YAML text. Without ``inventory`` the play runs on
    ``localhost,`` with the local connection and this interpreter; with one (``inventories/local`` or a file a test
    wrote) the inventory decides. ``emulator`` supplies KUBECONFIG, the chart repository and the PATH of the test
    cluster, and its requests during the run are returned. Extra vars always go through a JSON file that is deleted
    afterwards, so secrets never appear in argv. ``env`` replaces the starting environment (default: the emulator's,
    else this process's); ``extra_env`` is set on top, after ANSIBLE_CONFIG and ANSIBLE_NOCOLOR.
    """
    with tempfile.TemporaryDirectory(prefix="playbook-") as tmp:
        path = Path(playbook) if not isinstance(playbook, str) or "\n" not in playbook else None
        if path is None:
            path = Path(tmp) / "playbook.yml"
            path.write_text(str(playbook))
        variables = dict(extra_vars or {})
        if inventory is None:
            variables = {"ansible_python_interpreter": sys.executable, **variables}
        vars_file = Path(tmp) / "extra_vars.json"
        vars_file.write_text(json.dumps(variables))
        if env is not None:
            run_env = dict(env)
        elif emulator is not None:
            run_env = emulator.env()
        else:
            run_env = dict(os.environ)
        run_env["ANSIBLE_CONFIG"] = str(REPO_ROOT / "ansible.cfg")
        run_env.setdefault("ANSIBLE_NOCOLOR", "1")
        run_env.update(extra_env or {})
        target = ["-i", "localhost,", "-c", "local"] if inventory is None else ["-i", str(inventory)]
        # The local inventory already loads the chart vars; a bare localhost run needs them passed.
        chart_vars = _local_chart_vars(run_env) if inventory is None else []
        argv = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            *target,
            "-e",
            f"@{vars_file}",
            *chart_vars,
            *args,
            str(path),
        ]
        seen = len(emulator.requests()) if emulator is not None else 0
        proc = subprocess.run(
            argv, env=run_env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        requests = emulator.requests()[seen:] if emulator is not None else []
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, requests)


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


@pytest.fixture(name="run_playbook", scope="session")
def run_playbook_fixture() -> Callable[..., PlaybookRun]:
    """The one way tests run ansible-playbook: `run_playbook(path_or_text, extra_vars, emulator=..., ...)`.

    Session-scoped so module- and session-scoped fixtures (a converged cluster shared by read-only tests) use it too.
    """
    return run_playbook


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator_args(args): extra command-line flags for the kube_emulator fixture")
    config.addinivalue_line("markers", "needs_charts: skip when the kube_emulator serves no chart repository")
