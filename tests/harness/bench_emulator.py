"""Print the emulator's start-up time and GET / PATCH throughput on this machine (loopback only).

python -m tests.harness.bench_emulator [--seconds 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import KubeEmulator
from tests.harness import launch
from tests.harness.kube_emulator.samples import configmap, deployment


def _rate(worker: Callable[[int], None], seconds: float, threads: int) -> float:
    """Requests per second over `threads` workers, each running `worker` until the time is up."""
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        while time.monotonic() < stop:
            worker(counts[index])
            counts[index] += 1

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
    print(f"{label:<44} {1000 * (time.monotonic() - started) / repeat:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as tmp:
        started = time.monotonic()
        emulator = launch.start(Path(tmp))
        print(f"{'start-up (launch.start until ready)':<44} {time.monotonic() - started:8.2f} s")
        try:
            emu = KubeEmulator(emulator)
            cm_path = "/api/v1/namespaces/default/configmaps"
            emu.request("POST", cm_path, configmap("bench", "default", a="0"))
            emu.request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("bench", "default"))
            dep = "/apis/apps/v1/namespaces/default/deployments/bench"
            _timed("first Deployment create (loads schemas)", lambda: None, 1)
            _timed("GET Deployment, new TLS connection each", lambda: emu.request("GET", dep))
            smp = {
                "spec": {"template": {"spec": {"containers": [{"name": "main", "env": [{"name": "X", "value": "1"}]}]}}}
            }
            _timed(
                "strategic PATCH Deployment (no-op)",
                lambda: emu.request("PATCH", dep, smp, "application/strategic-merge-patch+json"),
            )
            get_rate = _rate(lambda i: emu.request("GET", f"{cm_path}/bench"), args.seconds, args.threads)
            print(f"{'GET requests/s (' + str(args.threads) + ' threads)':<44} {get_rate:8.0f}")
            patch_rate = _rate(
                lambda i: emu.request(
                    "PATCH", f"{cm_path}/bench", {"data": {"a": str(i)}}, "application/merge-patch+json"
                ),
                args.seconds,
                args.threads,
            )
            print(f"{'PATCH requests/s (' + str(args.threads) + ' threads)':<44} {patch_rate:8.0f}")
        finally:
            launch.stop(Path(tmp))


if __name__ == "__main__":
    main()
