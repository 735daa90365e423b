"""Start and stop a detached Kubernetes API emulator, for pytest and molecule alike.

    python -m tests.harness.launch start --state-dir DIR [extra emulator args...]
    python -m tests.harness.launch stop --state-dir DIR

`start` leaves DIR/kubeconfig (0600), DIR/pid, DIR/url, DIR/emulator.log, DIR/bin/terraform (the stand-in),
DIR/bin/kubectl (a link to the real kubectl that `make setup` installs in .tools/bin) and DIR/bin/helm (the real
helm 3.19 from .tools/bin, with helm's config and cache homes inside DIR), when they are there. With the real helm
and the upstream test data (tests/harness/upstream.py) it also packages the charts the roles pin into DIR/charts
and serves them on loopback (tests/harness/chart_repo.py): the repository URL is in DIR/charts_url, the server's
pid in DIR/charts.pid. Without either, DIR/charts_url is absent and DIR/charts_skipped says why.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.harness import chart_repo, upstream

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
CHARTS_PID = "charts.pid"
CHARTS_SKIPPED = "charts_skipped"
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
STANDINS = {"terraform": "tests.harness.terraform_standin"}


class LaunchError(RuntimeError):
    """The emulator did not come up; the message carries the tail of its log."""


@dataclass
class Emulator:
    url: str
    kubeconfig: Path
    token: str
    pid: int
    bin_dir: Path
    state_dir: Path


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


def _write_wrappers(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "terraformrc").write_text("")
    for name, module in STANDINS.items():
        script = bin_dir / name
        script.write_text(
            "#!/bin/sh\n"
            f"# {name} stand-in of the test harness (see tests/harness/README.md)\n"
            f"PYTHONPATH={shlex.quote(str(REPO_ROOT))}${{PYTHONPATH:+:$PYTHONPATH}}\n"
            "export PYTHONPATH\n"
            # An empty terraform CLI config, so a missing ~/.terraformrc prints no warning.
            f"TF_CLI_CONFIG_FILE={shlex.quote(str(bin_dir / 'terraformrc'))}\nexport TF_CLI_CONFIG_FILE\n"
            f'exec {shlex.quote(sys.executable)} -m {module} "$@"\n'
        )
        script.chmod(0o755)
    kubectl, link = tools_bin() / "kubectl", bin_dir / "kubectl"
    link.unlink(missing_ok=True)
    if kubectl.is_file():
        link.symlink_to(kubectl)
    helm, wrapper = tools_bin() / "helm", bin_dir / "helm"
    wrapper.unlink(missing_ok=True)
    if helm.is_file():
        state = bin_dir.parent
        # Each emulator gets its own helm config, cache and data homes, so parallel scenarios never share
        # ~/.config/helm or the repository index cache.
        wrapper.write_text(
            "#!/bin/sh\n"
            "# The real helm (make setup) with homes private to this test cluster (see tests/harness/README.md)\n"
            f": ${{HELM_CONFIG_HOME:={shlex.quote(str(state / 'helm'))}}}\n"
            f": ${{HELM_CACHE_HOME:={shlex.quote(str(state / 'helm-cache'))}}}\n"
            f": ${{HELM_DATA_HOME:={shlex.quote(str(state / 'helm-data'))}}}\n"
            "export HELM_CONFIG_HOME HELM_CACHE_HOME HELM_DATA_HOME\n"
            f'exec {shlex.quote(str(helm))} "$@"\n'
        )
        wrapper.chmod(0o755)


def _start_chart_repo(state: Path) -> None:
    """Package the upstream charts into DIR/charts and serve them; DIR/charts_skipped says why when it cannot."""
    for name in (chart_repo.URL_FILE, CHARTS_SKIPPED):
        (state / name).unlink(missing_ok=True)
    helm, root = tools_bin() / "helm", upstream.upstream_dir()
    reason = None
    if root is None:
        reason = f"the upstream test data is absent (../shared/upstream or ${upstream.ENV_VAR})"
    elif not helm.is_file():
        reason = f"the real helm is not installed at {helm} (run make setup)"
    if reason:
        (state / CHARTS_SKIPPED).write_text(f"no local chart repository: {reason}\n")
        return
    assert root is not None
    charts = state / chart_repo.DIR_NAME
    if charts.is_symlink() or charts.is_file():
        charts.unlink()
    else:
        shutil.rmtree(charts, ignore_errors=True)
    charts.symlink_to(chart_repo.cached_build(helm, root), target_is_directory=True)
    chart_repo.unpack(charts, state / chart_repo.UNPACKED_DIR)
    log_path = state / "charts.log"
    argv = [sys.executable, "-m", "tests.harness.chart_repo", "serve", "--dir", str(charts)]
    with log_path.open("ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = _wait_ready(proc, log_path, offset)
    (state / CHARTS_PID).write_text(f"{proc.pid}\n")
    (state / chart_repo.URL_FILE).write_text(f"{url}\n")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}


def tools_bin() -> Path:
    """Where `make setup` installs the real helm and kubectl (GPUOPS_TOOLS_DIR overrides .tools)."""
    tools = os.environ.get("GPUOPS_TOOLS_DIR")
    return Path(tools) / "bin" if tools else TOOLS_BIN


def _wait_ready(proc: subprocess.Popen[bytes], log_path: Path, offset: int) -> str:
    """Poll the log (the emulator's stdout and stderr) for the `ready <url>` line written after `offset`."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        with log_path.open("rb") as log:
            log.seek(offset)
            for line in log.read().decode(errors="replace").splitlines():
                if line.startswith("ready "):
                    return line.split(" ", 1)[1].strip()
        if proc.poll() is not None:
            raise LaunchError(f"the emulator exited with {proc.returncode}; log tail:\n{_tail(log_path)}")
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    raise LaunchError(f"the emulator did not report ready within {READY_TIMEOUT:.0f}s; log tail:\n{_tail(log_path)}")


def start(state_dir: str | os.PathLike[str], extra_args: list[str] | None = None) -> Emulator:
    """Start an emulator in its own session, logging to DIR/emulator.log; returns once it serves."""
    state = Path(state_dir).resolve()
    state.mkdir(parents=True, exist_ok=True)
    stop(state)
    kubeconfig, log_path = state / "kubeconfig", state / "emulator.log"
    argv = [sys.executable, "-m", "tests.harness.kube_emulator", "--port", "0", "--kubeconfig", str(kubeconfig)]
    env = _env()
    with log_path.open("ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            argv + list(extra_args or []),
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = _wait_ready(proc, log_path, offset)
    (state / "pid").write_text(f"{proc.pid}\n")
    (state / "url").write_text(f"{url}\n")
    bin_dir = state / "bin"
    _write_wrappers(bin_dir)
    try:
        _start_chart_repo(state)
    except (LaunchError, chart_repo.ChartRepoError, OSError):
        stop(state)
        raise
    return Emulator(url, kubeconfig, read_token(kubeconfig), proc.pid, bin_dir, state)


def read_token(kubeconfig: Path) -> str:
    config = yaml.safe_load(kubeconfig.read_text())
    return config["users"][0]["user"]["token"]


def stop(state_dir: str | os.PathLike[str]) -> None:
    """SIGTERM the emulator and the chart repository recorded in DIR; nothing to do if they are not running."""
    _stop(Path(state_dir) / CHARTS_PID, b"tests.harness.chart_repo")
    _stop(Path(state_dir) / "pid", b"tests.harness.kube_emulator")


def _stop(pid_file: Path, module: bytes) -> None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    if not _runs(pid, module):  # a stale pid file: the number may belong to an unrelated process by now
        pid_file.unlink(missing_ok=True)
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def _runs(pid: int, module: bytes) -> bool:
    """True if `pid` runs the harness module (checked through /proc where there is one)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self/cmdline").exists():
        return True
    try:
        return module in cmdline.read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """True while the process runs; reaps it when it is our own child so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.harness.launch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--state-dir", required=True)
    args, extra = parser.parse_known_args(argv)
    if args.action == "stop":
        stop(args.state_dir)
        return 0
    try:
        emulator = start(args.state_dir, extra)
    except (LaunchError, chart_repo.ChartRepoError) as err:
        print(err, file=sys.stderr)
        return 1
    print(f"emulator {emulator.url} pid {emulator.pid} kubeconfig {emulator.kubeconfig}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
