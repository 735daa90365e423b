"""What the helm_release role tests share: the real helm 3.19, a loopback chart repository built with `helm package`
and `helm repo index` (charts with values and, when given, templates of the test's own: no upstream chart is imitated),
a `helm` first on PATH that logs its arguments and runs the real one, and helm's environment for one test."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator, role_play
from tests.harness import launch
from tests.harness.kube_emulator import protobuf

HELM3 = launch.tools_bin() / "helm"
NEEDS_REAL_HELM = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (HELM3.is_file() and protobuf.available()), reason=f"no real helm in {launch.tools_bin()}: run `make setup`"
    ),
]
NS = "apps"
ROLE_PLAY = role_play("helm_release")


def write_chart(
    root: Path,
    name: str,
    version: str = "0.1.0",
    values: str = "greeting: hello\n",
    templates: dict[str, str] | None = None,
) -> Path:
    """A chart directory `root/name` with Chart.yaml, values.yaml and the given templates."""
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: '1.0'\n")
    (chart / "values.yaml").write_text(values)
    for file_name, text in (templates or {}).items():
        (chart / "templates" / file_name).write_text(text)
    return chart


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_charts(charts: Iterable[Path], served: Path) -> Iterator[str]:
    """Package `charts` into `served`, index it and serve it on loopback; yields the repository URL."""
    served.mkdir()
    for chart in charts:
        subprocess.run([str(HELM3), "package", str(chart), "-d", str(served)], check=True, capture_output=True)
    subprocess.run([str(HELM3), "repo", "index", str(served)], check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def logging_helm(bin_dir: Path, log: Path) -> Path:
    """Write `bin_dir/helm`, which appends its arguments to `log` and runs the real helm 3.19; returns `bin_dir`."""
    bin_dir.mkdir()
    wrapper = bin_dir / "helm"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{HELM3}" "$@"\n')
    wrapper.chmod(0o755)
    return bin_dir


def helm_env(emu: KubeEmulator, tmp_path: Path, first: Path) -> dict[str, str]:
    """The emulator's environment with `first` first on PATH and helm's homes under `tmp_path`."""
    env = emu.env()
    env.update(
        PATH=f"{first}{os.pathsep}{env['PATH']}",
        HOME=str(tmp_path / "home"),
        HELM_CONFIG_HOME=str(tmp_path / "helm-config"),
        HELM_CACHE_HOME=str(tmp_path / "helm-cache"),
        HELM_DATA_HOME=str(tmp_path / "helm-data"),
    )
    return env


def writes(emu: KubeEmulator) -> list[str]:
    """The requests other than reads the test cluster received since its log was last cleared."""
    return [f"{r['method']} {r['path']}" for r in emu.requests() if r["method"] not in ("GET", "HEAD")]


def stored_revisions(emu: KubeEmulator, name: str, kind: str = "secrets") -> dict[int, str]:
    """Revision -> status of release `name` in namespace NS, read from the objects helm stored it in (`secrets`, or
    `configmaps` with HELM_DRIVER=configmap), by helm's storage labels."""
    status, body = emu.request("GET", f"/api/v1/namespaces/{NS}/{kind}?labelSelector=owner%3Dhelm,name%3D{name}")
    assert status == 200, body
    return {int(s["metadata"]["labels"]["version"]): s["metadata"]["labels"]["status"] for s in body["items"]}
