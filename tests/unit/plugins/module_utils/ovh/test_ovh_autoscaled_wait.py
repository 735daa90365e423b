"""With the cluster autoscaler on, the wait after a change ends on READY with a node count inside min..max.

The autoscaler owns the node count: it may hold a pool at 0 nodes while desiredNodes still says 1 (a GPU pool
scaled to zero at night), so waiting for currentNodes == desiredNodes would run into the timeout on every run.
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.errors import OvhApiError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.nodepool import NodePoolManager
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.waiter import Waiter, settled_for

BASE = "/cloud/project/p/kube/k"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class AutoscaledPools:
    """One pool whose node count the autoscaler holds at ``autoscaler_nodes``, whatever desiredNodes says."""

    def __init__(self, pool: dict[str, Any], autoscaler_nodes: int) -> None:
        self.pool = pool
        self.autoscaler_nodes = autoscaler_nodes
        self.puts: list[dict[str, Any]] = []

    def get(self, path: str, what: str = "") -> Any:
        if path == BASE + "/nodepool":
            return [self.pool]
        return dict(self.pool)

    def put(self, path: str, body: dict[str, Any], what: str = "") -> None:
        self.puts.append(body)
        self.pool.update(body)
        low, high = self.pool["minNodes"], self.pool["maxNodes"]
        self.pool["currentNodes"] = min(max(self.autoscaler_nodes, low), high)
        self.pool["status"] = "READY"


def pool(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "p1",
        "name": "gpu",
        "flavor": "l40s-90",
        "status": "READY",
        "autoscale": True,
        "minNodes": 0,
        "maxNodes": 2,
        "desiredNodes": 1,
        "currentNodes": 0,
    }
    return {**base, **fields}


def manager(fake: AutoscaledPools, timeout: float = 600) -> NodePoolManager:
    clock = FakeClock()
    return NodePoolManager(fake, "p", "k", waiter=Waiter(timeout, 10, clock.clock, clock.sleep))


@pytest.mark.parametrize("autoscaler_nodes", [0, 1, 2])
def test_a_change_under_the_autoscaler_returns_once_ready_whatever_it_holds(autoscaler_nodes: int) -> None:
    fake = AutoscaledPools(pool(currentNodes=autoscaler_nodes), autoscaler_nodes)
    result = manager(fake).present({"name": "gpu", "autoscale": True, "min_nodes": 0, "max_nodes": 3})
    assert result["changed"] is True and fake.puts
    assert result["nodepool"]["status"] == "READY"
    assert result["nodepool"]["currentNodes"] == autoscaler_nodes  # never forced to desiredNodes


def test_raising_min_nodes_waits_until_the_count_reaches_it() -> None:
    assert not settled_for({"autoscale": True, "minNodes": 1, "maxNodes": 2, "desiredNodes": 1})(
        {"status": "READY", "currentNodes": 0}
    )
    assert settled_for({"autoscale": True, "minNodes": 1, "maxNodes": 2, "desiredNodes": 1})(
        {"status": "READY", "currentNodes": 2}
    )


def test_without_the_autoscaler_the_wait_still_wants_the_desired_count() -> None:
    fixed = {"autoscale": False, "minNodes": 0, "maxNodes": 3, "desiredNodes": 2}
    assert not settled_for(fixed)({"currentNodes": 1})
    assert settled_for(fixed)({"currentNodes": 2})
    fake = AutoscaledPools(pool(autoscale=False, desiredNodes=1, currentNodes=1), autoscaler_nodes=1)
    with pytest.raises(OvhApiError, match="Timed out"):
        # The fake never reaches 2 nodes: a fixed-size pool must not pass for settled.
        manager(fake, timeout=60).present({"name": "gpu", "autoscale": False, "desired_nodes": 2})
