"""Server-side conversions and the few defaults clients and waiters rely on (nothing more; see README)."""

from __future__ import annotations

import base64
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .resources import ResourceType
    from .store import Store


def mutate(store: Store, rt: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Mutate `new` in place the way the API server's registry strategies would."""
    if rt.group == "" and rt.kind == "Secret":
        _secret(new)
    elif rt.group == "" and rt.kind == "Service":
        _service(store, old, new)
    elif rt.group == "" and rt.kind == "Namespace":
        labels = new["metadata"].setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = new["metadata"]["name"]
        if old is None:
            new["status"] = {"phase": "Active"}
    elif rt.group == "" and rt.kind in ("Pod", "PersistentVolumeClaim") and old is None:
        new["status"] = {"phase": "Pending"}  # as the real server answers a create; the controllers move it on
    elif (
        rt.group == "apps"
        and rt.kind in ("Deployment", "StatefulSet", "ReplicaSet")
        and isinstance(new.get("spec"), dict)
    ):
        # The waiters compare spec.replicas with status; the real server defaults it to 1.
        new["spec"].setdefault("replicas", 1)
        if rt.kind == "StatefulSet":
            new["spec"].setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    elif rt.group == "batch" and rt.kind == "Job" and isinstance(new.get("spec"), dict):
        _job(old, new)


def _secret(new: dict[str, Any]) -> None:
    string_data = new.pop("stringData", None)
    if isinstance(string_data, dict):
        data = new.get("data") if isinstance(new.get("data"), dict) else {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        new["data"] = data
    new.setdefault("type", "Opaque")


def _service(store: Store, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    spec = new.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    old_spec = (old or {}).get("spec") or {}
    # Like the real server, an update that omits the allocated address keeps it.
    if not spec.get("clusterIP") and old_spec.get("clusterIP"):
        spec["clusterIP"] = old_spec["clusterIP"]
    if not spec.get("clusterIP") and spec["type"] != "ExternalName":
        spec["clusterIP"] = store.allocate_cluster_ip()
    if spec.get("clusterIP") and spec["clusterIP"] != "None":
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "port" in port:
                port.setdefault("targetPort", port["port"])


def _job(old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Jobs get the defaults, selector and template labels the Job controller keys on, on create and (identically,
    so that re-sending a definition is a no-op) on update."""
    spec = new["spec"]
    uid = (old or new)["metadata"].get("uid") or new["metadata"].setdefault("uid", str(uuid.uuid4()))
    name = new["metadata"].get("name", "")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
    template = spec.setdefault("template", {})
    if isinstance(template, dict):
        if not isinstance(template.get("metadata"), dict):
            template["metadata"] = {}
        labels = template["metadata"].setdefault("labels", {})
        if isinstance(labels, dict):
            labels.update(
                {
                    "batch.kubernetes.io/controller-uid": uid,
                    "batch.kubernetes.io/job-name": name,
                    "controller-uid": uid,
                    "job-name": name,
                }
            )
