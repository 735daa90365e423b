"""Tiny controllers that declare success: they write the status a healthy cluster would reach.

They run inline after each committed write (so state is ready before the next request, i.e. well under a second),
except Jobs, whose work runs on a thread of its own through a pluggable runner.
"""

from __future__ import annotations

import importlib
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from . import workloads
from .jsonutil import clone
from .resources import ResourceType
from .store import Obj, Store, now

JobRunner = Callable[[dict[str, Any]], dict[str, Any]]
FAIL_ANNOTATION = "harness.gpuops.io/fail"
# A Pod carrying it runs but never becomes Ready (a readiness probe that never passes), so a Deployment never gets
# Available and `helm --wait` times out: how tests leave a release `failed` on purpose.
NEVER_READY_ANNOTATION = "harness.gpuops.io/never-ready"
NODE_NAME = "gpuops-emulator-node"
log = logging.getLogger(__name__)


def default_runner(job: dict[str, Any]) -> dict[str, Any]:
    """Succeed with an empty log unless the Job carries the fail annotation."""
    failing = (job["metadata"].get("annotations") or {}).get(FAIL_ANNOTATION) == "true"
    return {"succeeded": not failing, "log": "", "message": "failed by harness annotation" if failing else ""}


def load_runner(spec: str | None) -> JobRunner:
    if not spec:
        return default_runner
    module_name, _, func = spec.partition(":")
    return getattr(importlib.import_module(module_name), func or "run")


def _cond(kind: str, reason: str, message: str = "") -> dict[str, str]:
    stamp = now()
    cond = {"type": kind, "status": "True", "lastTransitionTime": stamp, "reason": reason}
    if message:
        cond["message"] = message
    return cond


def _keep_times(old: Obj | None, new: Obj) -> Obj:
    """Keep condition timestamps when a condition did not change, so status stays stable across reconciles."""
    previous = {c.get("type"): c for c in (old or {}).get("conditions") or []}
    for cond in new.get("conditions") or []:
        before = previous.get(cond["type"])
        if before and before.get("status") == cond["status"] and before.get("reason") == cond.get("reason"):
            for key in ("lastTransitionTime", "lastUpdateTime"):
                if key in before:
                    cond[key] = before[key]
    return new


class Controllers:
    """Registers itself as a store listener; `stop()` ends the Job worker."""

    def __init__(self, store: Store, runner: JobRunner) -> None:
        self.store, self.runner = store, runner
        store.listeners.append(self.reconcile)
        store.delete_listeners.append(self.deleted)

    def stop(self) -> None:
        """Job threads are daemons: a Job still running when the emulator stops simply never finishes."""

    def bootstrap(self) -> None:
        """The objects every cluster starts with: the system namespaces and one Ready node."""
        ns_rt = self.store.builtin("", "namespaces")
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.store.create(ns_rt, "", {"metadata": {"name": name}}, manager="kube-apiserver", trusted=True)
        node = {"metadata": {"name": NODE_NAME, "labels": {"kubernetes.io/hostname": NODE_NAME}}}
        self.store.create(self.store.builtin("", "nodes"), "", node, manager="kubelet", trusted=True)
        capacity = {"cpu": "8", "memory": "32Gi", "pods": "110"}
        status = {"capacity": capacity, "allocatable": capacity, "conditions": [_cond("Ready", "KubeletReady")]}
        status["nodeInfo"] = {"kubeletVersion": "v1.35.0", "operatingSystem": "linux", "architecture": "amd64"}
        self.store.set_status(self.store.builtin("", "nodes"), "", NODE_NAME, status)

    def reconcile(self, rt: ResourceType, old: Obj | None, obj: Obj) -> None:
        if rt.is_crd:
            return
        handler = {
            ("", "Namespace"): self._namespace,
            ("", "PersistentVolumeClaim"): self._pvc,
            ("", "Pod"): self._pod,
            ("", "Service"): self._service,
            ("apps", "Deployment"): lambda rt, obj: workloads.reconcile_deployment(self.store, rt, obj),
            ("apps", "StatefulSet"): self._workload,
            ("apps", "ReplicaSet"): lambda rt, obj: workloads.reconcile_replicaset(self.store, rt, obj),
            ("apps", "DaemonSet"): self._daemonset,
            ("batch", "Job"): self._job,
            ("apiextensions.k8s.io", "CustomResourceDefinition"): self._crd,
        }.get((rt.group, rt.kind))
        if handler is None:
            return
        status = handler(rt, obj)
        if status is not None:
            meta = obj["metadata"]
            self.store.set_status(rt, meta.get("namespace", ""), meta["name"], _keep_times(obj.get("status"), status))

    def deleted(self, rt: ResourceType, obj: Obj) -> None:
        """A Pod of a ReplicaSet was deleted: the ReplicaSet replaces it (and its Deployment's status follows)."""
        if (rt.group, rt.kind) != ("", "Pod"):
            return
        for owner_rt, owner, status in workloads.pod_deleted(self.store, obj):
            meta = owner["metadata"]
            self.store.set_status(owner_rt, meta["namespace"], meta["name"], _keep_times(owner.get("status"), status))

    def _namespace(self, rt: ResourceType, obj: Obj) -> Obj:
        return {"phase": "Active"}

    def _pvc(self, rt: ResourceType, obj: Obj) -> Obj:
        spec = obj.get("spec") or {}
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        status: Obj = {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"]}
        if storage:
            status["capacity"] = {"storage": storage}
        return status

    def _service(self, rt: ResourceType, obj: Obj) -> Obj | None:
        if (obj.get("spec") or {}).get("type") != "LoadBalancer":
            return {"loadBalancer": {}}
        return {"loadBalancer": {"ingress": [{"ip": "192.0.2.10", "ipMode": "VIP"}]}}

    def _pod(self, rt: ResourceType, obj: Obj) -> Obj | None:
        if (obj.get("status") or {}).get("phase") != "Pending" or any(
            ref.get("kind") == "Job" for ref in obj["metadata"].get("ownerReferences") or []
        ):
            return None  # already running, or a Job's pod whose status the Job controller writes
        containers = (obj.get("spec") or {}).get("containers") or []
        self._pod_events(obj, containers)
        started = now()
        statuses = [
            {
                "name": c.get("name"),
                "image": c.get("image", ""),
                "imageID": "",
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": started}},
            }
            for c in containers
        ]
        never_ready = (obj["metadata"].get("annotations") or {}).get(NEVER_READY_ANNOTATION) == "true"
        if never_ready:
            for status in statuses:
                status["ready"] = False
        conditions = [
            _cond(t, "")
            for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
        ]
        for cond in conditions:
            cond.pop("reason")
            if never_ready and cond["type"] in ("Ready", "ContainersReady"):
                cond.update(status="False", reason="ContainersNotReady", message="harness: never-ready annotation")
        return {
            "phase": "Running",
            "conditions": conditions,
            "containerStatuses": statuses,
            "hostIP": "10.0.0.10",
            "podIP": "10.244.0.10",
            "startTime": started,
            "qosClass": "BestEffort",
        }

    def _pod_events(self, pod: Obj, containers: list[Obj]) -> None:
        """What the scheduler and a kubelet report while starting a Pod (`kubectl describe pod` shows them)."""
        meta = pod["metadata"]
        assigned = f"Successfully assigned {meta['namespace']}/{meta['name']} to {NODE_NAME}"
        workloads.event(self.store, pod, "Pod", "Scheduled", assigned, "default-scheduler")
        for container in containers:
            name, image = container.get("name", ""), container.get("image", "")
            for reason, message in (
                ("Pulled", f'Container image "{image}" already present on machine'),
                ("Created", f"Created container: {name}"),
                ("Started", f"Started container {name}"),
            ):
                workloads.event(self.store, pod, "Pod", reason, message, "kubelet")

    def _workload(self, rt: ResourceType, obj: Obj) -> Obj:
        replicas = (obj.get("spec") or {}).get("replicas", 1)
        status: Obj = {"observedGeneration": obj["metadata"].get("generation", 1)}
        if rt.kind != "Deployment":
            status["replicas"] = replicas  # not omitempty for StatefulSet/ReplicaSet; kubernetes.core compares it
        if replicas:  # the real server omits the other zero counts
            status.update(
                {
                    "replicas": replicas,
                    "readyReplicas": replicas,
                    "availableReplicas": replicas,
                    "updatedReplicas": replicas,
                }
            )
        if rt.kind == "Deployment":
            status["conditions"] = [
                _cond("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                _cond(
                    "Progressing",
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{obj["metadata"]["name"]}" has successfully progressed.',
                ),
            ]
            for cond in status["conditions"]:
                cond["lastUpdateTime"] = cond["lastTransitionTime"]
        elif rt.kind == "StatefulSet":
            revision = f"{obj['metadata']['name']}-{obj['metadata'].get('generation', 1)}"
            status.update({"currentRevision": revision, "updateRevision": revision, "collisionCount": 0})
            if replicas:
                status["currentReplicas"] = replicas
        elif rt.kind == "ReplicaSet" and replicas:
            status["fullyLabeledReplicas"] = replicas
        return status

    def _daemonset(self, rt: ResourceType, obj: Obj) -> Obj:
        return {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "desiredNumberScheduled": 1,
            "currentNumberScheduled": 1,
            "updatedNumberScheduled": 1,
            "numberReady": 1,
            "numberAvailable": 1,
            "numberMisscheduled": 0,
        }

    def _crd(self, rt: ResourceType, obj: Obj) -> Obj:
        spec = obj.get("spec") or {}
        return {
            "acceptedNames": clone(spec.get("names") or {}),
            "conditions": [
                _cond("NamesAccepted", "NoConflicts", "no conflicts found"),
                _cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
            ],
            "storedVersions": [v["name"] for v in spec.get("versions") or [] if v.get("storage")],
        }

    def _job(self, rt: ResourceType, obj: Obj) -> Obj | None:
        if (obj.get("status") or {}).get("startTime") or (obj.get("spec") or {}).get("suspend"):
            return None
        # One thread per Job: Jobs run concurrently, as on a cluster, and a slow runner blocks no other Job.
        name = f"job-{obj['metadata']['namespace']}-{obj['metadata']['name']}"
        threading.Thread(target=self._run, args=(rt, clone(obj)), name=name, daemon=True).start()
        return {"startTime": now(), "active": 1, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {}}

    def _run(self, rt: ResourceType, job: Obj) -> None:
        try:
            # The fail annotation wins over any runner, so a test can force a failure without a custom runner.
            failing = (job["metadata"].get("annotations") or {}).get(FAIL_ANNOTATION) == "true"
            result = default_runner(job) if failing else self.runner(clone(job))
        except Exception as exc:  # a broken runner fails the Job, it must not kill the emulator
            log.exception("job runner failed")
            result = {"succeeded": False, "log": "", "message": f"job runner raised {exc!r}"}
        try:
            self._finish_job(rt, job, result)
        except Exception:
            log.exception("could not record the result of job %s", job["metadata"].get("name"))

    def _finish_job(self, rt: ResourceType, job: Obj, result: dict[str, Any]) -> None:
        meta = job["metadata"]
        ns, name = meta["namespace"], meta["name"]
        succeeded = bool(result.get("succeeded"))
        message = str(result.get("message") or "")
        with self.store.lock:
            current = self.store.objects[rt.key].get((ns, name))
            if current is None or current["metadata"]["uid"] != meta["uid"]:
                return  # deleted (or replaced) while running
            pod_name = self._job_pod(job, succeeded, message)
            self.store.pod_logs[(ns, pod_name)] = str(result.get("log") or "")
            status = clone(current.get("status") or {})
            status.pop("active", None)  # zero counts are omitted, except ready/terminating as the real server does
            status.update({"ready": 0, "terminating": 0})
            if succeeded:
                status.update(
                    {
                        "succeeded": 1,
                        "completionTime": now(),
                        "conditions": [
                            _cond(
                                "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"
                            ),
                            _cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
                        ],
                    }
                )
            else:
                status.update(
                    {
                        "failed": 1,
                        "conditions": [
                            _cond(
                                "FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"
                            ),
                            _cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                        ],
                    }
                )
            self.store.set_status(rt, ns, name, status)

    def _job_pod(self, job: Obj, succeeded: bool, message: str) -> str:
        meta = job["metadata"]
        template = clone((job.get("spec") or {}).get("template") or {})
        pod_meta = template.get("metadata") or {}
        pod_meta.update({"name": f"{meta['name']}-{uuid.uuid4().hex[:5]}", "namespace": meta["namespace"]})
        pod_meta["ownerReferences"] = [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": meta["name"],
                "uid": meta["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": template.get("spec") or {}}
        pods = self.store.builtin("", "pods")
        created = self.store.create(pods, meta["namespace"], pod, manager="kube-controller-manager")
        stamp = now()
        terminated = {
            "exitCode": 0 if succeeded else 1,
            "reason": "Completed" if succeeded else "Error",
            "startedAt": stamp,
            "finishedAt": stamp,
            "containerID": f"emulator://{uuid.uuid4().hex}",
        }
        if message:
            terminated["message"] = message
        statuses = [
            {
                "name": c.get("name"),
                "image": c.get("image", ""),
                "imageID": "",
                "ready": False,
                "restartCount": 0,
                "started": False,
                "state": {"terminated": dict(terminated)},
            }
            for c in (pod["spec"].get("containers") or [{"name": "job"}])
        ]
        status = {
            "phase": "Succeeded" if succeeded else "Failed",
            "containerStatuses": statuses,
            "startTime": stamp,
            "hostIP": "10.0.0.10",
            "podIP": "10.244.0.11",
            "qosClass": "BestEffort",
        }
        self.store.set_status(pods, meta["namespace"], created["metadata"]["name"], status)
        return created["metadata"]["name"]
