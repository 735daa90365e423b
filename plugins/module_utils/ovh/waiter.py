# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll a node pool until it is READY, fails, or the time runs out (monotonic clock)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.errors import OvhApiError

READY = "READY"
# ERROR and every USER_* status (USER_ERROR, USER_QUOTA_ERROR, USER_NODE_NOT_FOUND_FORCE...)
# need a human: waiting longer will not fix them.
FAILED = ("ERROR",)


def is_failed(status):
    return status in FAILED or (status or "").startswith("USER_")


def describe(pool):
    return "status=%s sizeStatus=%s currentNodes=%s desiredNodes=%s availableNodes=%s" % (
        pool.get("status"),
        pool.get("sizeStatus"),
        pool.get("currentNodes"),
        pool.get("desiredNodes"),
        pool.get("availableNodes"),
    )


def settled_for(after):
    """The condition a READY pool must also meet after a change to ``after`` (the desired view).

    Right after a PUT the pool may still say READY, so the node count tells that it has moved. With the cluster
    autoscaler on (``autoscale``), the autoscaler owns the count: a GPU pool may rightly sit at 0 nodes while
    desiredNodes says 1, so only the min..max bounds are awaited, never desiredNodes itself.
    """
    if after.get("autoscale"):
        low = after.get("minNodes") or 0
        high = after.get("maxNodes")

        def within_bounds(pool):
            current = pool.get("currentNodes")
            return current is not None and current >= low and (high is None or current <= high)

        return within_bounds
    desired = after.get("desiredNodes")
    return lambda pool: desired is None or pool.get("currentNodes") == desired


class Waiter:
    """Wait with ``timeout`` seconds and ``sleep`` seconds between polls."""

    def __init__(self, timeout, sleep, clock=time.monotonic, sleeper=time.sleep):
        self.timeout = timeout
        self.sleep = sleep
        self._clock = clock
        self._sleeper = sleeper

    def until_ready(self, fetch, label, settled=None):
        """Return the pool once READY (and ``settled(pool)`` when given); raise OvhApiError otherwise."""
        deadline = self._clock() + self.timeout
        while True:
            pool = fetch()
            status = pool.get("status")
            if is_failed(status):
                raise OvhApiError(
                    "Node pool %s ended in status %s while waiting for READY (%s)" % (label, status, describe(pool)),
                    partial={"nodepool": pool},
                )
            if status == READY and (settled is None or settled(pool)):
                return pool
            if self._clock() >= deadline:
                raise OvhApiError(
                    "Timed out after %ss waiting for node pool %s to be READY; last state: %s"
                    % (self.timeout, label, describe(pool)),
                    partial={"nodepool": pool},
                )
            self._sleeper(self.sleep)

    def until_gone(self, fetch, label):
        """Poll ``fetch`` (which returns None once the pool is gone) until the pool disappears."""
        deadline = self._clock() + self.timeout
        while True:
            pool = fetch()
            if pool is None:
                return
            if self._clock() >= deadline:
                raise OvhApiError(
                    "Timed out after %ss waiting for node pool %s to be deleted; last state: %s"
                    % (self.timeout, label, describe(pool)),
                    partial={"nodepool": pool},
                )
            self._sleeper(self.sleep)
