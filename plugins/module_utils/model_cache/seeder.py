# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Orchestration of model cache seeding: PVC, revision, Job, record. Cluster, Hub and clock are passed in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import Any, Callable, Dict, Optional, Tuple

from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache import spec
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.errors import ModelCacheError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.hub import COMMIT_RE


class Seeder(object):
    """Ensures a PVC holds ``model`` at the commit ``revision`` resolves to; see plugins/modules/model_cache.py."""

    def __init__(
        self,
        params: Dict[str, Any],
        cluster: Any,
        hub: Any,
        check_mode: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        script: Optional[str] = None,
    ) -> None:
        self.p = params
        self.cluster = cluster
        self.hub = hub
        self.check_mode = check_mode
        self.clock = clock
        self.sleep = sleep
        # The in-Job downloader's text (files/job_downloader.py), passed in by the model_cache action plugin.
        self.script = script
        self.result = {"changed": False, "actions": []}

    def _act(self, action: str) -> None:
        self.result["actions"].append(action)
        self.result["changed"] = True

    # --- steps -------------------------------------------------------------------------------------------------
    def resolve(self) -> Dict[str, Any]:
        revision = self.p["revision"]
        if COMMIT_RE.match(revision):
            return {"commit": revision, "gated": False, "files": None, "bytes": None}
        resolved = self.hub.resolve(
            self.p["model"], revision, self.p.get("allow_patterns"), self.p.get("ignore_patterns")
        )
        if resolved["gated"] and not (self.p.get("token_secret") or {}).get("name"):
            raise ModelCacheError(
                "Failed to seed %s: the model is gated and no token_secret is set; create a Secret "
                "with a token of an account that was granted access" % self.p["model"],
                dict(self.result, commit=resolved["commit"]),
            )
        return resolved

    def ensure_pvc(self) -> Dict[str, Any]:
        name, ns = self.p["pvc_name"], self.p["namespace"]
        current = self.cluster.get("PersistentVolumeClaim", "v1", ns, name)
        desired = spec.pvc_manifest(self.p)
        if current is None:
            self._act("create PersistentVolumeClaim %s" % name)
            if self.check_mode:
                return desired
            return self.cluster.create("PersistentVolumeClaim", "v1", ns, desired)
        cur_spec = current.get("spec") or {}
        problems = []
        if self.p.get("storage_class") and cur_spec.get("storageClassName") != self.p["storage_class"]:
            problems.append("storage class is %s, not %s" % (cur_spec.get("storageClassName"), self.p["storage_class"]))
        if self.p["access_mode"] not in (cur_spec.get("accessModes") or []):
            problems.append("access modes are %s, not %s" % (cur_spec.get("accessModes"), self.p["access_mode"]))
        have = ((cur_spec.get("resources") or {}).get("requests") or {}).get("storage", "0")
        if spec.quantity_bytes(self.p["size"]) < spec.quantity_bytes(have):
            problems.append("size is %s and a PVC cannot shrink to %s" % (have, self.p["size"]))
        if problems:
            raise ModelCacheError(
                "Failed to ensure PersistentVolumeClaim %s/%s: %s (recreate it to change this)"
                % (ns, name, "; ".join(problems)),
                self.result,
            )
        if spec.quantity_bytes(self.p["size"]) > spec.quantity_bytes(have):
            self._act("expand PersistentVolumeClaim %s from %s to %s" % (name, have, self.p["size"]))
            if not self.check_mode:
                return self.cluster.patch(
                    "PersistentVolumeClaim",
                    "v1",
                    ns,
                    name,
                    {"spec": {"resources": {"requests": {"storage": self.p["size"]}}}},
                )
        return current

    def ensure_script(self, name: str) -> None:
        ns = self.p["namespace"]
        if not self.script:
            raise ModelCacheError(
                "Failed to seed %s: no downloader_source; run model_cache through its action plugin, which "
                "passes the collection's files/job_downloader.py" % self.p["model"],
                self.result,
            )
        desired = spec.configmap_manifest(self.p, name, self.script)
        current = self.cluster.get("ConfigMap", "v1", ns, name)
        if current is None:
            self.cluster.create("ConfigMap", "v1", ns, desired)
        elif (current.get("data") or {}) != desired["data"]:
            self.cluster.patch(
                "ConfigMap",
                "v1",
                ns,
                name,
                {"metadata": {"annotations": desired["metadata"]["annotations"]}, "data": desired["data"]},
            )

    def run_job(self, commit: str) -> Optional[Dict[str, Any]]:
        ns = self.p["namespace"]
        name = spec.job_name(self.p["pvc_name"], commit)
        self.result["job"] = name
        existing = self.cluster.get("Job", "batch/v1", ns, name)
        if existing is not None:
            record = None if self.p.get("force") else self._succeeded_record(existing, commit)
            if record is not None:
                return record  # an earlier run (wait=false, or interrupted) already seeded this commit
            if not _finished(existing):
                return self.wait_job(name, commit)  # still running: wait for it instead of starting another
            self.cluster.delete("Job", "batch/v1", ns, name)
            self._wait_gone(name)
        self.ensure_script(name + "-script")
        self.cluster.create("Job", "batch/v1", ns, spec.job_manifest(self.p, name, commit, name + "-script"))
        self._act("create Job %s" % name)
        if not self.p.get("wait", True):
            return None
        return self.wait_job(name, commit)

    def wait_job(self, name: str, commit: str) -> Dict[str, Any]:
        ns = self.p["namespace"]
        deadline = self.clock() + float(self.p.get("wait_timeout", 3600))
        job = None
        while self.clock() < deadline:
            job = self.cluster.get("Job", "batch/v1", ns, name)
            if job is None:
                raise ModelCacheError(
                    "Failed to seed %s: Job %s/%s disappeared" % (self.p["model"], ns, name), self.result
                )
            if _condition(job, "Complete"):
                record = self._succeeded_record(job, commit)
                if record is None:
                    message, tail = self._pod_output(name)
                    raise ModelCacheError(
                        "Failed to seed %s: Job %s completed without a record for commit %s"
                        % (self.p["model"], name, commit),
                        self.result,
                        tail,
                    )
                return record
            if _condition(job, "Failed"):
                message, tail = self._pod_output(name)
                reason = (spec.parse_record(message) or {}).get("error") or message or "see the log"
                raise ModelCacheError(
                    "Failed to seed %s@%s into PersistentVolumeClaim %s/%s: Job %s failed: %s"
                    % (self.p["model"], commit, ns, self.p["pvc_name"], name, reason),
                    self.result,
                    tail,
                )
            self.sleep(float(self.p.get("wait_sleep", 5)))
        _message, tail = self._pod_output(name)
        status = (job or {}).get("status") or {}
        raise ModelCacheError(
            "Failed to seed %s: Job %s/%s did not finish within %ss (last status: %s)"
            % (self.p["model"], ns, name, self.p.get("wait_timeout"), status),
            self.result,
            tail,
        )

    def record(self, record: Dict[str, Any]) -> None:
        annotations = spec.annotations_from_record(dict(record, revision=self.p["revision"]))
        self.cluster.patch(
            "PersistentVolumeClaim",
            "v1",
            self.p["namespace"],
            self.p["pvc_name"],
            {"metadata": {"annotations": annotations}},
        )
        self._act("annotate PersistentVolumeClaim %s" % self.p["pvc_name"])

    # --- the whole thing ---------------------------------------------------------------------------------------
    def run(self) -> Dict[str, Any]:
        resolved = self.resolve()
        commit = resolved["commit"]
        self.result.update({"commit": commit, "model": self.p["model"], "revision": self.p["revision"]})
        pvc = self.ensure_pvc()
        current = spec.record_from_annotations((pvc.get("metadata") or {}).get("annotations"))
        self.result["previous"] = current
        holds_commit = bool(current) and current.get("model") == self.p["model"] and current.get("commit") == commit
        if holds_commit and not self.p.get("force"):
            self.result["record"] = current
            self.result["msg"] = "PersistentVolumeClaim %s already holds %s@%s" % (
                self.p["pvc_name"],
                self.p["model"],
                commit,
            )
            return self.result
        if self.check_mode:
            name = spec.job_name(self.p["pvc_name"], commit)
            self._act("create Job %s" % name)
            self.result["job"] = name
            self.result["plan"] = {
                "files": resolved["files"],
                "bytes": resolved["bytes"],
                "job": spec.job_manifest(self.p, name, commit, name + "-script"),
            }
            self.result["msg"] = "would seed %s@%s into PersistentVolumeClaim %s" % (
                self.p["model"],
                commit,
                self.p["pvc_name"],
            )
            return self.result
        record = self.run_job(commit)
        if record is None:
            self.result["msg"] = (
                "started Job %s; not waiting (wait=false), the PVC is not annotated yet" % (self.result["job"])
            )
            return self.result
        self.record(record)
        self.result["record"] = spec.record_from_annotations(
            spec.annotations_from_record(dict(record, revision=self.p["revision"]))
        )
        self.result["seeded"] = {
            k: record.get(k) for k in ("downloaded_bytes", "kept_files", "fetched_files", "refetched_files", "seconds")
        }
        self.result["msg"] = "seeded %s@%s into PersistentVolumeClaim %s" % (
            self.p["model"],
            commit,
            self.p["pvc_name"],
        )
        return self.result

    # --- helpers -----------------------------------------------------------------------------------------------
    def _job_pod(self, name: str) -> Optional[Dict[str, Any]]:
        pods = self.cluster.list("Pod", "v1", self.p["namespace"], "%s=%s" % (spec.JOB_LABEL, name))
        pods.sort(key=lambda pod: (pod.get("metadata") or {}).get("creationTimestamp") or "")
        return pods[-1] if pods else None

    def _pod_output(self, name: str) -> Tuple[str, str]:
        """(termination message, log tail) of the Job's latest pod."""
        pod = self._job_pod(name)
        if pod is None:
            return "", ""
        message = ""
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            terminated = (status.get("state") or {}).get("terminated") or {}
            message = terminated.get("message") or message
        try:
            tail = self.cluster.pod_log(self.p["namespace"], pod["metadata"]["name"], int(self.p.get("log_lines", 30)))
        except Exception as exc:  # the log is a diagnostic: its absence must not hide the Job's failure
            tail = "(log unavailable: %s)" % exc
        return message, tail

    def _succeeded_record(self, job: Dict[str, Any], commit: str) -> Optional[Dict[str, Any]]:
        if not _condition(job, "Complete"):
            return None
        message, tail = self._pod_output(job["metadata"]["name"])
        record = spec.parse_record(message) or spec.parse_record(tail)
        if record and record.get("ok") and record.get("commit") == commit and record.get("model") == self.p["model"]:
            return record
        return None

    def _wait_gone(self, name: str) -> None:
        deadline = self.clock() + 60
        while self.cluster.get("Job", "batch/v1", self.p["namespace"], name) is not None:
            if self.clock() > deadline:
                raise ModelCacheError(
                    "Failed to replace Job %s: the old Job is still there after 60s" % name, self.result
                )
            self.sleep(1)


def _condition(job: Dict[str, Any], kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True" for c in (job.get("status") or {}).get("conditions") or []
    )


def _finished(job: Dict[str, Any]) -> bool:
    return _condition(job, "Complete") or _condition(job, "Failed")
