# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-cluster checks: objects read with kubernetes.core.k8s_info, and what Prometheus has loaded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from typing import Any, Dict, Iterable, List, Optional
from urllib.parse import urlencode

from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify import report
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.errors import TransportError

Obj = Dict[str, Any]


def _by_name(objects: Iterable[Obj]) -> Dict[str, Obj]:
    return {o.get("metadata", {}).get("name", ""): o for o in objects or []}


def _condition(obj: Obj, kind: str) -> Optional[Obj]:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return None


def _seen(cond: Optional[Obj]) -> str:
    if cond is None:
        return "no condition yet"
    parts = [str(cond.get("status"))] + [str(cond[k]) for k in ("reason", "message") if cond.get(k)]
    return " - ".join(parts)


def deployment_checks(names: List[str], deployments: List[Obj], namespace: str) -> List[Dict[str, str]]:
    """Each model's Deployment vllm-<name> exists and is Available (a Deployment at zero replicas is too)."""
    found = _by_name(deployments)
    results = []
    for name in names:
        check, obj = "deployment vllm-%s" % name, found.get("vllm-%s" % name)
        if obj is None:
            results.append(report.failed(check, "not found in namespace %s" % namespace))
            continue
        cond = _condition(obj, "Available")
        wanted = (obj.get("spec") or {}).get("replicas", 1)
        ready = (obj.get("status") or {}).get("readyReplicas", 0)
        figure = "%d/%d ready" % (ready, wanted) if wanted else "scaled to zero"
        if cond is not None and cond.get("status") == "True":
            results.append(report.passed(check, figure))
        else:
            results.append(report.failed(check, "not Available (%s), %s" % (_seen(cond), figure)))
    return results


def ready_checks(kind: str, names: List[str], objects: List[Obj], namespace: str) -> List[Dict[str, str]]:
    """Objects whose Ready condition says they work: ScaledObject, HTTPScaledObject, Certificate."""
    found = _by_name(objects)
    results = []
    for name in names:
        check, obj = "%s %s" % (kind, name), found.get(name)
        if obj is None:
            results.append(report.failed(check, "not found in namespace %s" % namespace))
            continue
        cond = _condition(obj, "Ready")
        if cond is not None and cond.get("status") == "True":
            results.append(report.passed(check, "Ready"))
        else:
            results.append(report.failed(check, "not Ready (%s)" % _seen(cond)))
    return results


def cold_models(names: List[str], deployments: List[Obj]) -> List[str]:
    """Models whose Deployment asks for zero replicas: their first request is a cold start."""
    found = _by_name(deployments)
    return [n for n in names if ((found.get("vllm-%s" % n) or {}).get("spec") or {}).get("replicas", 1) == 0]


def alert_names(rules: List[Obj]) -> List[str]:
    """Alerts the collection's PrometheusRule objects define."""
    return sorted(
        {
            r["alert"]
            for obj in rules or []
            for g in (obj.get("spec") or {}).get("groups") or []
            for r in g.get("rules") or []
            if r.get("alert")
        }
    )


class PrometheusAnswerError(Exception):
    """Prometheus answered, but not with a successful API response."""


class PrometheusChecker:
    """Queries Prometheus's HTTP API (GET /api/v1/query, /api/v1/rules) through an opener."""

    def __init__(self, opener: Any, url: str) -> None:
        self.opener = opener
        self.url = url.rstrip("/")

    def _get(self, path: str) -> Any:
        url = self.url + path
        response = self.opener.open("GET", url, {"Accept": "application/json"}, None, None)
        try:
            status, body = response.status, response.read()
        finally:
            response.close()
        if status != 200:
            raise PrometheusAnswerError("GET %s answered %d" % (url, status))
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise PrometheusAnswerError("GET %s answered 200 but not JSON" % url) from exc
        if payload.get("status") != "success":
            raise PrometheusAnswerError(
                "GET %s: status %s: %s" % (url, payload.get("status"), payload.get("error", ""))
            )
        return payload.get("data")

    def series(self, models: List[str], namespace: str, window: str) -> Dict[str, str]:
        check = "prometheus vllm:num_requests_waiting"
        # last_over_time: a model at zero replicas exports nothing now, but its series from the last window count.
        query = 'count by (model) (last_over_time(vllm:num_requests_waiting{namespace="%s"}[%s]))' % (namespace, window)
        try:
            data = self._get("/api/v1/query?" + urlencode({"query": query}))
        except (TransportError, PrometheusAnswerError) as exc:
            return report.failed(check, str(exc))
        present = {(r.get("metric") or {}).get("model") for r in (data or {}).get("result") or []}
        missing = [m for m in models if m not in present]
        if missing:
            return report.failed(check, "no series in the last %s for model %s" % (window, ", ".join(missing)))
        return report.passed(check, "series for %d/%d models" % (len(models), len(models)))

    def rules(self, alerts: List[str]) -> Dict[str, str]:
        check = "prometheus alert rules"
        if not alerts:
            return report.failed(check, "no PrometheusRule of the collection found in the cluster")
        try:
            data = self._get("/api/v1/rules?type=alert")
        except (TransportError, PrometheusAnswerError) as exc:
            return report.failed(check, str(exc))
        loaded = {r.get("name") for g in (data or {}).get("groups") or [] for r in g.get("rules") or []}
        missing = [a for a in alerts if a not in loaded]
        if missing:
            return report.failed(check, "Prometheus has not loaded %s" % ", ".join(missing))
        return report.passed(check, "%d/%d alerts loaded" % (len(alerts), len(alerts)))
