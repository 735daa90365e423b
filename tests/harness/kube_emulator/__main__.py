"""`python -m tests.harness.kube_emulator --port PORT --kubeconfig PATH`: serve until SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from . import tls
from .controllers import Controllers, load_runner
from .server import FAULT_KINDS, Emulator, EmulatorServer, Faults
from .store import Store
from .watch import JOURNAL_SIZE


def _fault_kinds(value: str) -> list[str]:
    kinds = [k.strip() for k in value.split(",") if k.strip()]
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown fault kinds {bad}; choose from {', '.join(FAULT_KINDS)}")
    return kinds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.harness.kube_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--kubeconfig", required=True, help="where to write the kubeconfig for this emulator")
    parser.add_argument("--job-runner", default=None, help="module.path:function running each Job's work")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of API requests that get a fault")
    parser.add_argument(
        "--fault-kinds", type=_fault_kinds, default=["429", "503"], help="comma list of 429,500,503,delay"
    )
    parser.add_argument("--fault-delay", type=float, default=2.0, help="seconds a 'delay' fault waits")
    parser.add_argument("--fault-seed", type=int, default=None, help="seed for reproducible fault sequences")
    parser.add_argument(
        "--watch-history", type=int, default=JOURNAL_SIZE, help="changes kept for watches (older ones get 410)"
    )
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    certs = tls.generate()
    server = EmulatorServer(args.port, tls.server_context(certs))
    port = server.server_address[1]
    url = f"https://127.0.0.1:{port}"
    faults = Faults(rate=args.fault_rate, kinds=args.fault_kinds, delay=args.fault_delay)
    if args.fault_seed is not None:
        faults.rng.seed(args.fault_seed)
    store = Store(watch_history=args.watch_history)
    controllers = Controllers(store, load_runner(args.job_runner))
    controllers.bootstrap()
    server.emulator = Emulator(store, f"127.0.0.1:{port}", faults)
    tls.write_kubeconfig(args.kubeconfig, url, certs.ca_pem, server.emulator.token)

    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    print(f"ready {url}", flush=True)
    # A timed wait: the kernel may deliver SIGTERM to a server thread, and Python runs the handler only when the
    # main thread wakes up; an untimed wait could then sleep forever.
    while not stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    controllers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
