"""In-memory OVH MKS node pool state with time-driven status transitions.

Statuses move lazily: each read applies the transitions whose time has come, so the fake
needs no background thread and tests can make transitions instant (``transition_seconds=0``).
"""

from __future__ import annotations

import copy
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

# Close to what OVH's kube flavors endpoint returns (name, category, state, gpus, vCPUs, ram GB).
DEFAULT_FLAVORS: list[dict[str, Any]] = [
    {"name": "b3-8", "category": "b", "state": "available", "gpus": 0, "vCPUs": 2, "ram": 8},
    {"name": "b3-16", "category": "b", "state": "available", "gpus": 0, "vCPUs": 4, "ram": 16},
    {"name": "b3-32", "category": "b", "state": "available", "gpus": 0, "vCPUs": 8, "ram": 32},
    {"name": "rtx5000-28", "category": "t", "state": "available", "gpus": 1, "vCPUs": 4, "ram": 28},
    {"name": "t2-45", "category": "t", "state": "available", "gpus": 1, "vCPUs": 15, "ram": 45},
    {"name": "t2-le-45", "category": "t", "state": "available", "gpus": 1, "vCPUs": 15, "ram": 45},
    {"name": "l4-90", "category": "t", "state": "available", "gpus": 1, "vCPUs": 22, "ram": 90},
    {"name": "l40s-90", "category": "t", "state": "available", "gpus": 1, "vCPUs": 15, "ram": 90},
    {"name": "a100-180", "category": "t", "state": "available", "gpus": 1, "vCPUs": 15, "ram": 180},
    {"name": "h100-380", "category": "t", "state": "available", "gpus": 1, "vCPUs": 30, "ram": 380},
]
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# POST accepts these; PUT only the mutable ones (OVH API schema cloud.kube.NodePool*).
CREATE_FIELDS = {
    "name",
    "flavorName",
    "desiredNodes",
    "minNodes",
    "maxNodes",
    "autoscale",
    "antiAffinity",
    "monthlyBilled",
    "availabilityZones",
    "template",
    "autoscaling",
}
UPDATE_FIELDS = {"desiredNodes", "minNodes", "maxNodes", "autoscale", "autoscaling", "template", "nodesToRemove"}
ANTI_AFFINITY_MAX_NODES = 5


class ApiFailure(Exception):
    """An error answer: HTTP status, OVH error class and message."""

    def __init__(self, status: int, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code

    def body(self) -> dict[str, Any]:
        classes = {400: "Client::BadRequest", 403: "Client::Forbidden", 404: "Client::NotFound"}
        out: dict[str, Any] = {
            "class": classes.get(self.status, "Server::InternalServerError"),
            "message": self.message,
        }
        if self.status == 409:
            out["class"] = "Client::Conflict"
        if self.error_code:
            out["errorCode"] = self.error_code
        return out


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Pending:
    """A status change due at ``at`` (monotonic seconds)."""

    at: float
    status: str
    delete: bool = False


@dataclass
class ClusterState:
    service_name: str
    kube_id: str
    pools: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)


class MksState:
    """Projects, clusters and node pools; thread-safe."""

    def __init__(
        self,
        transition_seconds: float = 0.2,
        flavors: list[dict[str, Any]] | None = None,
        quota_nodes: dict[str, int] | None = None,
        clock: Any = time.monotonic,
    ) -> None:
        self.transition_seconds = transition_seconds
        self.flavors = copy.deepcopy(flavors or DEFAULT_FLAVORS)
        # Per-flavor ceiling on nodes in the project: above it pools end in USER_QUOTA_ERROR.
        self.quota_nodes = dict(quota_nodes or {})
        self.clusters: dict[tuple[str, str], ClusterState] = {}
        self._clock = clock
        self._lock = threading.RLock()

    def add_cluster(self, service_name: str, kube_id: str) -> None:
        with self._lock:
            self.clusters[(service_name, kube_id)] = ClusterState(service_name, kube_id)

    def cluster(self, service_name: str, kube_id: str) -> ClusterState:
        found = self.clusters.get((service_name, kube_id))
        if found is None:
            raise ApiFailure(404, f"This service does not exist or the kube cluster {kube_id} is unknown")
        return found

    # --- transitions --------------------------------------------------------------------
    def _settle(self, cluster: ClusterState) -> None:
        now = self._clock()
        for pool_id, pending in list(cluster.pending.items()):
            if pending.at > now:
                continue
            del cluster.pending[pool_id]
            if pending.delete:
                cluster.pools.pop(pool_id, None)
                continue
            pool = cluster.pools[pool_id]
            pool["status"] = pending.status
            if pending.status == "READY":
                pool["currentNodes"] = pool["availableNodes"] = pool["upToDateNodes"] = pool["desiredNodes"]
                pool["sizeStatus"] = "CAPACITY_OK"
            pool["updatedAt"] = _now_iso()

    def _schedule(self, cluster: ClusterState, pool: dict[str, Any], busy: str) -> None:
        pool["status"] = busy
        final = "READY" if self._within_quota(cluster, pool) else "USER_QUOTA_ERROR"
        cluster.pending[pool["id"]] = Pending(self._clock() + self.transition_seconds, final)

    def _within_quota(self, cluster: ClusterState, pool: dict[str, Any]) -> bool:
        limit = self.quota_nodes.get(pool["flavor"])
        if limit is None:
            return True
        used = sum(p["desiredNodes"] for p in cluster.pools.values() if p["flavor"] == pool["flavor"])
        return used <= limit

    # --- API operations -----------------------------------------------------------------
    def list_pools(self, sn: str, kube_id: str) -> list[dict[str, Any]]:
        with self._lock:
            cluster = self.cluster(sn, kube_id)
            self._settle(cluster)
            return copy.deepcopy(list(cluster.pools.values()))

    def get_pool(self, sn: str, kube_id: str, pool_id: str) -> dict[str, Any]:
        with self._lock:
            cluster = self.cluster(sn, kube_id)
            self._settle(cluster)
            return copy.deepcopy(self._pool(cluster, pool_id))

    def _pool(self, cluster: ClusterState, pool_id: str) -> dict[str, Any]:
        if pool_id not in cluster.pools:
            raise ApiFailure(404, f"Node pool {pool_id} does not exist")
        return cluster.pools[pool_id]

    def create_pool(self, sn: str, kube_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            cluster = self.cluster(sn, kube_id)
            self._settle(cluster)
            unknown = sorted(set(body) - CREATE_FIELDS)
            if unknown:
                raise ApiFailure(400, "Invalid parameters: unknown fields {}".format(", ".join(unknown)))
            name = body.get("name") or ""
            if not NAME_RE.match(name) or len(name) > 63:
                raise ApiFailure(400, f"Invalid name {name!r}: only lowercase alphanumerics and '-' are allowed")
            if any(p["name"] == name for p in cluster.pools.values()):
                raise ApiFailure(409, f"A node pool named {name} already exists")
            flavor = body.get("flavorName")
            if flavor not in {f["name"] for f in self.flavors}:
                raise ApiFailure(400, f"Invalid flavor {flavor!r} for this region")
            pool = self._new_pool(sn, name, flavor, body)
            self._check_sizes(pool)
            cluster.pools[pool["id"]] = pool
            self._schedule(cluster, pool, "INSTALLING")
            return copy.deepcopy(pool)

    def _new_pool(self, sn: str, name: str, flavor: str, body: dict[str, Any]) -> dict[str, Any]:
        template = body.get("template") or {}
        metadata = template.get("metadata") or {}
        spec = template.get("spec") or {}
        return {
            "id": str(uuid.uuid4()),
            "projectId": sn,
            "name": name,
            "flavor": flavor,
            "status": "INSTALLING",
            "sizeStatus": "UNDER_CAPACITY",
            "autoscale": bool(body.get("autoscale", False)),
            "monthlyBilled": bool(body.get("monthlyBilled", False)),
            "antiAffinity": bool(body.get("antiAffinity", False)),
            "desiredNodes": body.get("desiredNodes", 1),
            "minNodes": body.get("minNodes", 0),
            "maxNodes": body.get("maxNodes", 100),
            "currentNodes": 0,
            "availableNodes": 0,
            "upToDateNodes": 0,
            "createdAt": _now_iso(),
            "updatedAt": _now_iso(),
            "availabilityZones": list(body.get("availabilityZones") or []),
            "autoscaling": {
                "scaleDownUtilizationThreshold": 0.5,
                "scaleDownUnneededTimeSeconds": 600,
                "scaleDownUnreadyTimeSeconds": 1200,
                **(body.get("autoscaling") or {}),
            },
            "template": {
                "metadata": {
                    "labels": dict(metadata.get("labels") or {}),
                    "annotations": dict(metadata.get("annotations") or {}),
                    "finalizers": list(metadata.get("finalizers") or []),
                },
                "spec": {"unschedulable": bool(spec.get("unschedulable")), "taints": list(spec.get("taints") or [])},
            },
        }

    @staticmethod
    def _check_sizes(pool: dict[str, Any]) -> None:
        low, want, high = pool["minNodes"], pool["desiredNodes"], pool["maxNodes"]
        if not 0 <= low <= want <= high <= 100:
            raise ApiFailure(
                400,
                f"Invalid node counts: minNodes ({low}) <= desiredNodes ({want}) <= maxNodes ({high}) required",
            )
        if pool["antiAffinity"] and high > ANTI_AFFINITY_MAX_NODES:
            raise ApiFailure(400, f"maxNodes is limited to {ANTI_AFFINITY_MAX_NODES} with anti-affinity")

    def update_pool(self, sn: str, kube_id: str, pool_id: str, body: dict[str, Any]) -> None:
        with self._lock:
            cluster = self.cluster(sn, kube_id)
            self._settle(cluster)
            pool = self._pool(cluster, pool_id)
            refused = sorted(set(body) - UPDATE_FIELDS)
            if refused:
                raise ApiFailure(400, "Invalid parameters: {} cannot be updated".format(", ".join(refused)))
            if pool["status"] != "READY":
                raise ApiFailure(409, "Node pool {} is {}; retry once it is READY".format(pool["name"], pool["status"]))
            updated = copy.deepcopy(pool)
            for key in ("desiredNodes", "minNodes", "maxNodes", "autoscale"):
                if key in body:
                    updated[key] = body[key]
            updated["autoscaling"].update(body.get("autoscaling") or {})
            if "template" in body:
                updated["template"] = copy.deepcopy(body["template"])
            self._check_sizes(updated)
            resized = updated["desiredNodes"] != pool["desiredNodes"]
            changed = updated != pool
            cluster.pools[pool_id] = updated
            if resized:
                self._schedule(cluster, updated, "RESIZING")
            elif changed and "template" in body and body["template"] != pool["template"]:
                self._schedule(cluster, updated, "UPDATING")

    def delete_pool(self, sn: str, kube_id: str, pool_id: str) -> None:
        with self._lock:
            cluster = self.cluster(sn, kube_id)
            self._settle(cluster)
            pool = self._pool(cluster, pool_id)
            pool["status"] = "DELETING"
            cluster.pending[pool_id] = Pending(self._clock() + self.transition_seconds, "DELETED", delete=True)

    def force_status(self, sn: str, kube_id: str, name: str, status: str) -> None:
        """Test hook: put a pool in a status (ERROR, USER_*) and keep it there."""
        with self._lock:
            cluster = self.cluster(sn, kube_id)
            for pool_id, pool in cluster.pools.items():
                if pool["name"] == name:
                    cluster.pending.pop(pool_id, None)
                    pool["status"] = status
                    return
            raise KeyError(name)
