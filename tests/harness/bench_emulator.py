"""Print the emulator's start-up time and GET / PATCH throughput on this machine (loopback only).

python -m tests.harness.bench_emulator [--seconds 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import KubeEmulator
from tests.harness import launch
from tests.harness.kube_emulator.samples import configmap, deployment


def _rate(
    emu: KubeEmulator,
    method: str,
    path: str,
    body: Callable[[int], bytes | None],
    ctype: str,
    seconds: float,
    threads: int,
) -> float:
    """Requests per second over `threads` keep-alive connections (as urllib3's pool uses them)."""
    counts = [0] * threads
    stop = time.monotonic() + seconds
    split = urlsplit(emu.url)

    def run(index: int) -> None:
        conn = http.client.HTTPSConnection(split.hostname or "", split.port, context=emu.ssl_context, timeout=30)
        headers = {"Authorization": f"Bearer {emu.token}", "Content-Type": ctype}
        while time.monotonic() < stop:
            conn.request(method, path, body=body(counts[index]), headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[index] += 1
        conn.close()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def _timed(label: str, call: Callable[[], Any], repeat: int = 20) -> None:
    started = time.monotonic()
    for _ in range(repeat):
        call()
    print(f"{label:<52} {1000 * (time.monotonic() - started) / repeat:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as tmp:
        argv = [sys.executable, "-m", "tests.harness.kube_emulator", "--port", "0", "--kubeconfig", f"{tmp}/direct"]
        started = time.monotonic()
        direct = subprocess.Popen(argv, cwd=launch.REPO_ROOT, stdout=subprocess.PIPE, text=True)
        assert direct.stdout is not None and direct.stdout.readline().startswith("ready ")
        print(f"{'start-up (process spawn until the ready line)':<52} {time.monotonic() - started:8.2f} s")
        direct.terminate()
        direct.wait(timeout=30)
        started = time.monotonic()
        emulator = launch.start(Path(tmp))
        print(f"{'start-up (launch.start until ready)':<52} {time.monotonic() - started:8.2f} s")
        try:
            emu = KubeEmulator(emulator)
            cm_path = "/api/v1/namespaces/default/configmaps"
            emu.request("POST", cm_path, configmap("bench", "default", a="0"))
            emu.request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("bench", "default"))
            dep = "/apis/apps/v1/namespaces/default/deployments/bench"
            _timed("GET Deployment, new TLS connection each (latency)", lambda: emu.request("GET", dep))
            smp = {
                "spec": {"template": {"spec": {"containers": [{"name": "main", "env": [{"name": "X", "value": "1"}]}]}}}
            }
            _timed(
                "strategic PATCH Deployment, new connection (latency)",
                lambda: emu.request("PATCH", dep, smp, "application/strategic-merge-patch+json"),
            )
            for threads in (1, args.threads):
                get_rate = _rate(emu, "GET", f"{cm_path}/bench", lambda i: None, "", args.seconds, threads)
                print(f"{f'GET ConfigMap requests/s ({threads} keep-alive connections)':<52} {get_rate:8.0f}")
                patch_rate = _rate(
                    emu,
                    "PATCH",
                    f"{cm_path}/bench",
                    lambda i: json.dumps({"data": {"a": str(i)}}).encode(),
                    "application/merge-patch+json",
                    args.seconds,
                    threads,
                )
                print(f"{f'PATCH ConfigMap requests/s ({threads} keep-alive connections)':<52} {patch_rate:8.0f}")
        finally:
            launch.stop(Path(tmp))


if __name__ == "__main__":
    main()
