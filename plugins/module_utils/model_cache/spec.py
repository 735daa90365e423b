# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure builders for the objects the model_cache module manages (PVC, ConfigMap, Job) and the PVC record."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
from typing import Any, Dict, Optional, Union

ANNOTATION_PREFIX = "llm-inference.gpuops.io/"
RECORD_KEYS = ("model", "revision", "commit", "files", "bytes", "seeded-at")
JOB_LABEL = ANNOTATION_PREFIX + "seed-job"
# The ConfigMap key and file name the Job runs (files/job_downloader.py, passed in by the action plugin).
SCRIPT_KEY = "downloader.py"
SCRIPT_DIR = "/opt/gpuops"
UNITS = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "": 1,
}


def quantity_bytes(quantity: Union[str, int]) -> int:
    match = re.match(r"^([0-9.]+)([KMGTP]i?|k)?$", str(quantity).strip())
    if not match:
        raise ValueError("not a storage quantity: %r" % (quantity,))
    return int(float(match.group(1)) * UNITS[match.group(2) or ""])


def job_name(pvc_name: str, commit: str) -> str:
    # A Job per commit: Jobs are immutable, and the name says what the Job seeded.
    return ("%s-seed-%s" % (pvc_name, commit[:10]))[:63].rstrip("-")


def pvc_manifest(params: Dict[str, Any]) -> Dict[str, Any]:
    spec = {
        "accessModes": [params["access_mode"]],
        "resources": {"requests": {"storage": params["size"]}},
    }
    if params.get("storage_class"):
        spec["storageClassName"] = params["storage_class"]
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": params["pvc_name"], "namespace": params["namespace"], "labels": _labels(params)},
        "spec": spec,
    }


def configmap_manifest(params: Dict[str, Any], name: str, script: str) -> Dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": params["namespace"],
            "labels": _labels(params),
            "annotations": {ANNOTATION_PREFIX + "script-sha256": hashlib.sha256(script.encode()).hexdigest()},
        },
        "data": {SCRIPT_KEY: script},
    }


def job_manifest(params: Dict[str, Any], name: str, commit: str, script_configmap: str) -> Dict[str, Any]:
    """The seeding Job; it mounts the PVC at hf_home and runs the downloader from the ConfigMap."""
    hf_home = params["hf_home"].rstrip("/") or "/"
    args = [
        "--repo-id",
        params["model"],
        "--revision",
        params["revision"],
        "--commit",
        commit,
        "--cache-dir",
        hf_home + "/hub",
    ]
    for pattern in params.get("allow_patterns") or []:
        args += ["--allow-pattern", pattern]
    for pattern in params.get("ignore_patterns") or []:
        args += ["--ignore-pattern", pattern]
    env = [
        {"name": "HF_HOME", "value": hf_home},
        {"name": "HF_HUB_CACHE", "value": hf_home + "/hub"},
        {"name": "HF_ENDPOINT", "value": params["hf_endpoint"]},
        {"name": "HF_HUB_DISABLE_TELEMETRY", "value": "1"},
        {"name": "PYTHONUNBUFFERED", "value": "1"},
    ]
    secret = params.get("token_secret") or {}
    if secret.get("name"):
        env.append(
            {
                "name": "HF_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": secret["name"], "key": secret.get("key") or "token"}},
            }
        )
    container = {
        "name": "seed",
        "image": params["image"],
        "imagePullPolicy": "IfNotPresent",
        # The vllm/vllm-openai image's entrypoint is the API server: override it.
        "command": ["python3", SCRIPT_DIR + "/" + SCRIPT_KEY],
        "args": args,
        "env": env,
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "volumeMounts": [
            {"name": "model-cache", "mountPath": hf_home},
            {"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True},
        ],
    }
    if params.get("resources"):
        container["resources"] = params["resources"]
    pod_spec = {
        "restartPolicy": "Never",
        "containers": [container],
        "volumes": [
            {"name": "model-cache", "persistentVolumeClaim": {"claimName": params["pvc_name"]}},
            {"name": "script", "configMap": {"name": script_configmap}},
        ],
    }
    for key, field in (("node_selector", "nodeSelector"), ("tolerations", "tolerations")):
        if params.get(key):
            pod_spec[field] = params[key]
    labels = dict(_labels(params), **{JOB_LABEL: name})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": params["namespace"],
            "labels": labels,
            "annotations": {ANNOTATION_PREFIX + "model": params["model"], ANNOTATION_PREFIX + "commit": commit},
        },
        "spec": {
            # Retries are cheap: a new pod resumes the partial download left on the volume.
            "backoffLimit": params.get("backoff_limit", 2),
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def record_from_annotations(annotations: Optional[Dict[str, str]]) -> Optional[Dict[str, Any]]:
    """The record a previous run wrote on the PVC, or None."""
    annotations = annotations or {}
    if not annotations.get(ANNOTATION_PREFIX + "commit"):
        return None
    record = {key.replace("-", "_"): annotations.get(ANNOTATION_PREFIX + key) for key in RECORD_KEYS}
    for key in ("files", "bytes"):
        try:
            record[key] = int(record[key])
        except (TypeError, ValueError):
            record[key] = None
    return record


def annotations_from_record(record: Dict[str, Any]) -> Dict[str, str]:
    values = {
        "model": record["model"],
        "revision": record.get("revision", ""),
        "commit": record["commit"],
        "files": record["files"],
        "bytes": record["bytes"],
        "seeded-at": record.get("seeded_at", ""),
    }
    return {ANNOTATION_PREFIX + key: str(value) for key, value in values.items()}


def parse_record(text: Optional[str]) -> Optional[Dict[str, Any]]:
    """The downloader's record from a termination message or a log (its last JSON line), or None."""
    for line in reversed((text or "").strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _labels(params: Dict[str, Any]) -> Dict[str, str]:
    return {
        "app.kubernetes.io/name": "model-cache",
        "app.kubernetes.io/managed-by": "gpuops.llm_inference",
        ANNOTATION_PREFIX + "pvc": params["pvc_name"],
    }
