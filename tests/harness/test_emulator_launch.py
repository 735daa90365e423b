"""The emulator's command-line interface and the launcher used by pytest and molecule."""

from __future__ import annotations

import base64
import os
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from tests.harness import launch

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_entry_point_writes_a_kubeconfig_prints_ready_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc" / "config"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.harness.kube_emulator", "--port", "0", "--kubeconfig", str(kubeconfig)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("ready https://127.0.0.1:")
        url = line.split(" ", 1)[1]
        config = yaml.safe_load(kubeconfig.read_text())
        assert stat.S_IMODE(kubeconfig.stat().st_mode) == 0o600
        assert config["current-context"] == "gpuops-emulator"
        assert config["contexts"][0]["context"] == {
            "cluster": "gpuops-emulator",
            "user": "gpuops-emulator",
            "namespace": "default",
        }
        cluster = config["clusters"][0]
        assert cluster["name"] == "gpuops-emulator" and cluster["cluster"]["server"] == url
        ca = x509.load_pem_x509_certificate(base64.b64decode(cluster["cluster"]["certificate-authority-data"]))
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert len(config["users"][0]["user"]["token"]) >= 32
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_each_start_gets_a_new_token_and_ca(tmp_path: Path) -> None:
    first = launch.start(tmp_path / "a")
    try:
        second = launch.start(tmp_path / "b")
        try:
            assert first.token != second.token and first.url != second.url
            ca = [
                yaml.safe_load(e.kubeconfig.read_text())["clusters"][0]["cluster"]["certificate-authority-data"]
                for e in (first, second)
            ]
            assert ca[0] != ca[1]
        finally:
            launch.stop(tmp_path / "b")
    finally:
        launch.stop(tmp_path / "a")


def test_launch_start_leaves_state_files_and_stand_in_wrappers_and_stop_is_idempotent(tmp_path: Path) -> None:
    state = tmp_path / "state"
    emulator = launch.start(state)
    pid = emulator.pid
    assert (state / "url").read_text().strip() == emulator.url
    assert int((state / "pid").read_text()) == pid
    for name, module in launch.STANDINS.items():
        wrapper = state / "bin" / name
        assert os.access(wrapper, os.X_OK)
        assert f"-m {module}" in wrapper.read_text() and sys.executable in wrapper.read_text()
    launch.stop(state)
    assert not (state / "pid").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    launch.stop(state)
    assert (
        subprocess.run(
            [sys.executable, "-m", "tests.harness.launch", "stop", "--state-dir", str(state)],
            cwd=REPO_ROOT,
            check=False,
        ).returncode
        == 0
    )


def test_a_failing_start_reports_the_log_tail(tmp_path: Path) -> None:
    with pytest.raises(launch.LaunchError, match="unknown fault kinds"):
        launch.start(tmp_path / "bad", ["--fault-kinds", "418"])


def test_stop_ignores_a_stale_pid_file_naming_another_process(tmp_path: Path) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "pid").write_text(f"{bystander.pid}\n")
        launch.stop(tmp_path)
        assert bystander.poll() is None
        assert not (tmp_path / "pid").exists()
    finally:
        bystander.kill()
        bystander.wait()
