"""The waiter polls on a monotonic clock and stops on READY, on failure statuses, or on timeout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.errors import OvhApiError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.waiter import Waiter, is_failed


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def answers(*statuses: str) -> Any:
    it: Iterator[str] = iter(statuses)
    last = {"status": statuses[-1]}

    def fetch() -> dict[str, Any]:
        return {"status": next(it, last["status"]), "currentNodes": 1, "desiredNodes": 1}

    return fetch


def test_returns_once_ready_after_sleeping_between_polls():
    clock = FakeClock()
    pool = Waiter(60, 5, clock.clock, clock.sleep).until_ready(answers("INSTALLING", "INSTALLING", "READY"), "gpu")
    assert pool["status"] == "READY"
    assert clock.sleeps == [5, 5]


@pytest.mark.parametrize("status", ["ERROR", "USER_ERROR", "USER_QUOTA_ERROR", "USER_NODE_NOT_FOUND_FORCE"])
def test_failure_statuses_end_the_wait_with_the_status(status):
    clock = FakeClock()
    with pytest.raises(OvhApiError, match=status) as caught:
        Waiter(60, 5, clock.clock, clock.sleep).until_ready(answers("RESIZING", status), "gpu")
    assert caught.value.partial["nodepool"]["status"] == status


def test_timeout_names_the_last_state():
    clock = FakeClock()
    with pytest.raises(OvhApiError, match=r"Timed out after 12s .* status=RESIZING"):
        Waiter(12, 5, clock.clock, clock.sleep).until_ready(answers("RESIZING"), "gpu")
    assert sum(clock.sleeps) >= 12


def test_ready_is_not_enough_until_settled():
    clock = FakeClock()
    polls = iter([{"status": "READY", "currentNodes": 1}, {"status": "READY", "currentNodes": 2}])
    pool = Waiter(60, 1, clock.clock, clock.sleep).until_ready(
        lambda: next(polls), "gpu", settled=lambda p: p["currentNodes"] == 2
    )
    assert pool["currentNodes"] == 2


def test_until_gone_returns_when_fetch_finds_nothing():
    clock = FakeClock()
    polls = iter([{"status": "DELETING"}, None])
    Waiter(60, 1, clock.clock, clock.sleep).until_gone(lambda: next(polls), "gpu")
    assert clock.sleeps == [1]


def test_statuses_still_in_progress_are_not_failures():
    assert not any(is_failed(s) for s in ("INSTALLING", "RESIZING", "REDEPLOYING", "UPDATING", "DELETING", "READY"))
