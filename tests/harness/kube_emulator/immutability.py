"""The update rules of the real API server that most often break a re-run: fields that cannot change."""

from __future__ import annotations

import json
from typing import Any

from .resources import ResourceType

Obj = dict[str, Any]
# StatefulSet spec fields an update may change (apps/v1 validation, Kubernetes 1.35).
_STS_MUTABLE = {
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
}


def _get(obj: Obj | None, path: str) -> Any:
    node: Any = obj
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _immutable(field: str, value: Any) -> dict[str, str]:
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {json.dumps(value)[:120]}: field is immutable",
        "field": field,
    }


def check(rt: ResourceType, old: Obj, new: Obj) -> list[dict[str, str]]:
    """Causes for every immutable field an update changes; empty when the update is allowed."""
    key = (rt.group, rt.kind)
    causes: list[dict[str, str]] = []

    def same(path: str) -> None:
        if _get(old, path) != _get(new, path):
            causes.append(_immutable(path, _get(new, path)))

    if key in {("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "DaemonSet")}:
        same("spec.selector")
    elif key == ("apps", "StatefulSet"):
        old_spec, new_spec = _get(old, "spec") or {}, _get(new, "spec") or {}
        changed = sorted(
            k for k in set(old_spec) | set(new_spec) if k not in _STS_MUTABLE and old_spec.get(k) != new_spec.get(k)
        )
        if changed:
            allowed = ", ".join(f"'{k}'" for k in sorted(_STS_MUTABLE))
            message = f"Forbidden: updates to statefulset spec for fields other than {allowed} are forbidden"
            causes.append({"reason": "FieldValueForbidden", "message": message, "field": "spec"})
    elif key == ("batch", "Job"):
        for path in ("spec.selector", "spec.completions", "spec.completionMode", "spec.podFailurePolicy"):
            same(path)
        if not _get(old, "spec.suspend"):  # only a suspended Job may change its pod template
            same("spec.template")
    elif key == ("", "PersistentVolumeClaim"):
        mutable = ("resources", "volumeAttributesClassName", "volumeName")
        old_spec = {k: v for k, v in (_get(old, "spec") or {}).items() if k not in mutable}
        new_spec = {k: v for k, v in (_get(new, "spec") or {}).items() if k not in mutable}
        if old_spec != new_spec:
            message = (
                "Forbidden: spec is immutable after creation except resources.requests and "
                "volumeAttributesClassName for bound claims"
            )
            causes.append({"reason": "FieldValueForbidden", "message": message, "field": "spec"})
    elif key == ("", "Service"):
        if _get(old, "spec.clusterIP") and _get(new, "spec.clusterIP") != _get(old, "spec.clusterIP"):
            causes.append(_immutable("spec.clusterIP", _get(new, "spec.clusterIP")))
    elif key in {("", "ConfigMap"), ("", "Secret")} and old.get("immutable"):
        for path in ("data", "binaryData", "immutable"):
            if old.get(path) != new.get(path):
                causes.append(
                    {
                        "reason": "FieldValueForbidden",
                        "message": "Forbidden: field is immutable when `immutable` is set",
                        "field": path,
                    }
                )
    elif key == ("apiextensions.k8s.io", "CustomResourceDefinition"):
        same("spec.group")
        same("spec.names.plural")
    elif key == ("storage.k8s.io", "StorageClass"):
        for path in ("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"):
            same(path)
    return causes
