"""Count the OVH API calls ovh_mks_nodepool makes, against the local fake (prints figures, asserts nothing).

PYTHONPATH=collections:. .venv/bin/python tests/bench/ovh_nodepool_calls.py
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections import Counter
from typing import Any

from ansible.module_utils.testing import patch_module_args
from ansible_collections.gpuops.llm_inference.plugins.modules import ovh_mks_nodepool

from tests.harness.ovh_fake import OvhFake

POOL = dict(name="gpu", flavor="l40s-90", desired_nodes=1, min_nodes=0, max_nodes=2, autoscale=True, wait_sleep=0.05)


def run(fake: OvhFake, **options: Any) -> tuple[dict[str, Any], Counter[str], float]:
    before = len(fake.requests)
    out = io.StringIO()
    started = time.perf_counter()
    args = dict(fake.auth_params(), kube_id=fake.kube_id, **options)
    with patch_module_args(args), contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        ovh_mks_nodepool.main()
    elapsed = time.perf_counter() - started
    calls = Counter(f"{r.method} {r.path.split('/kube/')[-1]}" for r in fake.requests[before:])
    return json.loads(out.getvalue()), calls, elapsed


def report(label: str, result: dict[str, Any], calls: Counter[str], elapsed: float) -> None:
    print(f"{label}: changed={result.get('changed')} calls={sum(calls.values())} ({elapsed * 1000:.0f} ms)")
    for call, count in sorted(calls.items()):
        print(f"    {count:3d}  {call}")


def main() -> None:
    with OvhFake(transition_seconds=0.2) as fake:
        report("create + wait", *run(fake, **POOL))
        report("no-op present", *run(fake, **POOL))
        report("no-op present, check mode", *run(fake, _ansible_check_mode=True, **POOL))
        report("scale min 0 -> 1 + wait", *run(fake, **dict(POOL, min_nodes=1)))
        report("absent + wait", *run(fake, name="gpu", state="absent", wait_sleep=0.05))


if __name__ == "__main__":
    main()
