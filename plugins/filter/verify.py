# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: verify_cluster_checks.yml, verify_cold_models.yml and verify_summary.yml next to this file.

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify import cluster, report


def _names(models, key="name"):
    try:
        return [str(m[key]) for m in models]
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("verify: each model needs %s, got %r" % (key, models)) from exc


def verify_cluster_checks(
    models,
    deployments,
    namespace="vllm",
    scaledobjects=None,
    httpscaledobjects=None,
    certificates=None,
    certificate_name="",
    certificate_namespace="",
):
    """Rows for the Deployments, ScaledObjects, HTTPScaledObjects (None: not deployed) and the Certificate."""
    names = _names(models)
    rows = cluster.deployment_checks(names, deployments or [], namespace)
    if scaledobjects is not None:
        rows += cluster.ready_checks("scaledobject", ["vllm-%s" % n for n in names], scaledobjects, namespace)
    if httpscaledobjects is not None:
        rows += cluster.ready_checks(
            "httpscaledobject", ["vllm-%s-http" % n for n in names], httpscaledobjects, namespace
        )
    if certificates is not None:
        rows += cluster.ready_checks("certificate", [certificate_name], certificates, certificate_namespace)
    return rows


def verify_cold_models(models, deployments):
    """Served names of the models whose Deployment is at zero replicas."""
    cold = set(cluster.cold_models(_names(models), deployments or []))
    return [str(m.get("served_model_name") or m["name"]) for m in models if m["name"] in cold]


def verify_summary(checks):
    """The table lines, one failure sentence per failed check, and whether any failed."""
    rows = list(checks or [])
    failures = report.failures(rows)
    return {"table": report.table(rows), "failures": failures, "failed": bool(failures)}


class FilterModule(object):
    """verify.yml's decisions."""

    def filters(self):
        return {
            "verify_cluster_checks": verify_cluster_checks,
            "verify_cold_models": verify_cold_models,
            "verify_summary": verify_summary,
        }
