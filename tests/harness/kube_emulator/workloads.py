"""Deployment → ReplicaSet → Pod, as kube-controller-manager does it, plus the Events a user would look for.

A Deployment owns one ReplicaSet per pod template (`<name>-<pod-template-hash>`, the hash label added to its
selector and template); the current one is scaled to `spec.replicas` and older ones to 0. A ReplicaSet creates or
deletes its Pods (`<rs>-<5 chars>`, ownerReference to it) to match its replicas; the emulator's kubelet stand-in
(the Pod controller) makes each Pod Running and Ready as it is created. Statuses are computed bottom-up from what
exists, so a Deployment is Available only because its ReplicaSet's Pods are Ready. Everything runs inline in the
write that triggered it, like the other controllers.

A Pod deleted by hand is replaced by its ReplicaSet. Not done: `maxSurge`/`maxUnavailable` are not stepped through
(the new ReplicaSet is scaled up and the old ones down at once), no revision history limit, and a ReplicaSet deleted
by hand is not recreated by its Deployment until the Deployment changes.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from .jsonutil import clone
from .managed import now
from .resources import ResourceType
from .store import Obj, Store

MANAGER = "kube-controller-manager"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
# The alphabet of k8s.io/apimachinery/pkg/util/rand.SafeEncodeString, which names ReplicaSets and Pods.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


# ReplicaSets whose own reconcile is deleting Pods: those deletions must not start a nested reconcile.
_reconciling: set[str] = set()


def _safe(digest: bytes, length: int) -> str:
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])


def template_hash(template: Obj) -> str:
    return _safe(hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest(), 10)


def _owner(obj: Obj, kind: str, api_version: str) -> Obj:
    meta = obj["metadata"]
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _owned(store: Store, rt: ResourceType, ns: str, owner_uid: str) -> list[Obj]:
    return [
        obj
        for (obj_ns, _), obj in sorted(store.objects.get(rt.key, {}).items())
        if obj_ns == ns
        and any(r.get("uid") == owner_uid and r.get("controller") for r in obj["metadata"].get("ownerReferences") or [])
    ]


def event(store: Store, obj: Obj, kind: str, reason: str, message: str, component: str) -> None:
    """A core/v1 Event about `obj`, as `kubectl describe` and `kubectl events` show them."""
    meta = obj["metadata"]
    stamp = now()
    body = {
        "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}", "namespace": meta["namespace"]},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion", ""),
            "kind": kind,
            "namespace": meta["namespace"],
            "name": meta["name"],
            "uid": meta["uid"],
            "resourceVersion": meta.get("resourceVersion", ""),
        },
        "reason": reason,
        "message": message,
        "type": "Normal",
        "source": {"component": component},
        "reportingComponent": component,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }
    store.create(store.builtin("", "events"), meta["namespace"], body, manager=MANAGER, trusted=True)


def _scale(store: Store, rs_rt: ResourceType, dep: Obj, rs: Obj, replicas: int) -> None:
    before = (rs.get("spec") or {}).get("replicas", 1)
    if before == replicas:
        return
    meta = rs["metadata"]
    store.patch(rs_rt, meta["namespace"], meta["name"], "merge", {"spec": {"replicas": replicas}}, manager=MANAGER)
    direction = "up" if replicas > before else "down"
    message = f"Scaled {direction} replica set {meta['name']} from {before} to {replicas}"
    event(store, dep, "Deployment", "ScalingReplicaSet", message, "deployment-controller")


def reconcile_deployment(store: Store, rt: ResourceType, dep: Obj) -> Obj:
    """Make the ReplicaSets match the Deployment; return the Deployment's status, read from them."""
    meta, spec = dep["metadata"], dep.get("spec") or {}
    ns, replicas = meta["namespace"], spec.get("replicas", 1)
    rs_rt = store.builtin("apps", "replicasets")
    digest = template_hash(spec.get("template") or {})
    new_name = f"{meta['name']}-{digest}"
    owned = _owned(store, rs_rt, ns, meta["uid"])
    current = next((rs for rs in owned if rs["metadata"]["name"] == new_name), None)
    if current is None:
        template = clone(spec.get("template") or {})
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = digest
        selector = clone(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = digest
        revisions = [int((rs["metadata"].get("annotations") or {}).get(REVISION, "0")) for rs in owned]
        body = {
            "metadata": {
                "name": new_name,
                "namespace": ns,
                "labels": template["metadata"]["labels"],
                "annotations": {REVISION: str(max(revisions, default=0) + 1)},
                "ownerReferences": [_owner(dep, "Deployment", rt.api_version)],
            },
            "spec": {"replicas": replicas, "selector": selector, "template": template},
        }
        store.create(rs_rt, ns, body, manager=MANAGER, trusted=True)
        event(store, dep, "Deployment", "ScalingReplicaSet", f"Scaled up replica set {new_name} from 0 to {replicas}",
              "deployment-controller")  # fmt: skip
    else:
        _scale(store, rs_rt, dep, current, replicas)
    for rs in owned:
        if rs["metadata"]["name"] != new_name:
            _scale(store, rs_rt, dep, rs, 0)
    return _deployment_status(store, dep, _owned(store, rs_rt, ns, meta["uid"]), new_name)


def _deployment_status(store: Store, dep: Obj, owned: list[Obj], new_name: str) -> Obj:
    replicas = (dep.get("spec") or {}).get("replicas", 1)
    counts = {"replicas": 0, "updatedReplicas": 0, "readyReplicas": 0, "availableReplicas": 0}
    for rs in owned:
        status = rs.get("status") or {}
        counts["replicas"] += status.get("replicas", 0)
        counts["readyReplicas"] += status.get("readyReplicas", 0)
        counts["availableReplicas"] += status.get("availableReplicas", 0)
        if rs["metadata"]["name"] == new_name:
            counts["updatedReplicas"] = status.get("replicas", 0)
    unavailable = max(replicas - counts["availableReplicas"], 0)
    status: Obj = {"observedGeneration": dep["metadata"].get("generation", 1)}
    status.update({k: v for k, v in counts.items() if v})  # the real server omits zero counts
    if unavailable:
        status["unavailableReplicas"] = unavailable
    available = not unavailable
    done = available and counts["updatedReplicas"] == counts["replicas"] == replicas
    conditions = [
        {
            "type": "Available",
            "status": "True" if available else "False",
            "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "message": "Deployment has minimum availability."
            if available
            else "Deployment does not have minimum availability.",
        },
        {
            "type": "Progressing",
            "status": "True",
            "reason": "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
            "message": f'ReplicaSet "{new_name}" has successfully progressed.'
            if done
            else f'ReplicaSet "{new_name}" is progressing.',
        },
    ]
    stamp = now()
    for cond in conditions:
        cond["lastUpdateTime"] = cond["lastTransitionTime"] = stamp
    status["conditions"] = conditions
    return status


def _create_pod(store: Store, rt: ResourceType, rs: Obj) -> None:
    meta, template = rs["metadata"], (rs.get("spec") or {}).get("template") or {}
    name = f"{meta['name']}-{_safe(secrets.token_bytes(5), 5)}"
    body = {
        "metadata": {
            "name": name,
            "namespace": meta["namespace"],
            "labels": clone((template.get("metadata") or {}).get("labels") or {}),
            "ownerReferences": [_owner(rs, "ReplicaSet", rt.api_version)],
        },
        "spec": clone(template.get("spec") or {}),
    }
    annotations = (template.get("metadata") or {}).get("annotations")
    if annotations:
        body["metadata"]["annotations"] = clone(annotations)
    store.create(store.builtin("", "pods"), meta["namespace"], body, manager=MANAGER, trusted=True)
    event(store, rs, "ReplicaSet", "SuccessfulCreate", f"Created pod: {name}", "replicaset-controller")


def _ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def reconcile_replicaset(store: Store, rt: ResourceType, rs: Obj) -> Obj:
    """Create or delete Pods to match the ReplicaSet; return its status, read from them."""
    meta = rs["metadata"]
    ns, wanted = meta["namespace"], (rs.get("spec") or {}).get("replicas", 1)
    pod_rt = store.builtin("", "pods")
    pods = _owned(store, pod_rt, ns, meta["uid"])
    for _ in range(wanted - len(pods)):
        _create_pod(store, rt, rs)
    newest_first = sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)
    _reconciling.add(meta["uid"])
    try:
        for pod in newest_first[: max(len(pods) - wanted, 0)]:
            store.delete(pod_rt, ns, pod["metadata"]["name"])
            message = f"Deleted pod: {pod['metadata']['name']}"
            event(store, rs, "ReplicaSet", "SuccessfulDelete", message, "replicaset-controller")
    finally:
        _reconciling.discard(meta["uid"])
    pods = _owned(store, pod_rt, ns, meta["uid"])
    ready = sum(_ready(p) for p in pods)
    status: Obj = {"replicas": len(pods), "observedGeneration": meta.get("generation", 1)}  # replicas: not omitempty
    if pods:
        status["fullyLabeledReplicas"] = len(pods)
    if ready:
        status.update({"readyReplicas": ready, "availableReplicas": ready})
    return status


def _controller_of(store: Store, rt: ResourceType, obj: Obj, kind: str) -> Obj | None:
    ref = next((r for r in obj["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
    if ref is None or ref.get("kind") != kind:
        return None
    for (ns, _), candidate in store.objects.get(rt.key, {}).items():
        if ns == obj["metadata"].get("namespace") and candidate["metadata"]["uid"] == ref.get("uid"):
            return candidate
    return None


def pod_deleted(store: Store, pod: Obj) -> list[tuple[ResourceType, Obj, Obj]]:
    """A Pod is gone: its ReplicaSet replaces it. Returns (type, object, new status) for the ReplicaSet and its
    Deployment, which the caller writes. Nothing when the ReplicaSet is itself being deleted or scaled down."""
    rs_rt, dep_rt = store.builtin("apps", "replicasets"), store.builtin("apps", "deployments")
    rs = _controller_of(store, rs_rt, pod, "ReplicaSet")
    if rs is None or rs["metadata"]["uid"] in _reconciling or rs["metadata"].get("deletionTimestamp"):
        return []
    updates = [(rs_rt, rs, reconcile_replicaset(store, rs_rt, rs))]
    dep = _controller_of(store, dep_rt, rs, "Deployment")
    if dep is not None:
        # The ReplicaSet's new status has to be in the store before the Deployment's is read from it.
        store.set_status(rs_rt, rs["metadata"]["namespace"], rs["metadata"]["name"], updates[0][2])
        updates.append((dep_rt, dep, reconcile_deployment(store, dep_rt, dep)))
    return updates
