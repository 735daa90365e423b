# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: helm_version_problem.yml, helm_release_plan.yml, helm_release_up_to_date.yml,
# helm_release_status.yml and helm_storage_kind.yml next to this file.

from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_guard import (
    helm_version_problem,
    release_plan,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_storage import release_status, storage_kind


def helm_release_plan(status, name, namespace, binary="helm"):
    """Filter wrapper around module_utils.helm_guard.release_plan."""
    return release_plan(status, name, namespace, binary)


def chart_name(chart_ref):
    """The chart name a reference points to when it names a chart of a repository (`chart`, `repo/chart`,
    `oci://registry/path/chart`): its last path segment. A local archive (`chart-1.0.0.tgz`) gives a name no release
    carries, so such a release is never taken as up to date."""
    return str(chart_ref).rstrip("/").rsplit("/", 1)[-1]


def helm_release_up_to_date(status, chart_ref, version, values):
    """True when the release helm_info found (`status`) is `deployed`, from chart `chart_ref` at `version`, with
    exactly `values` as its user values.

    These are the fields kubernetes.core.helm 6.2 compares without the helm-diff plugin (modules/helm.py,
    `default_check`: user values and chart `name-version`, plus the chart's appVersion, which a published chart
    version fixes): when they match, the module would change nothing, so the role skips it and the chart is neither
    pulled (`helm show chart`) nor templated. Any doubt (no release, another state, another chart or version, a
    value added, changed or removed) answers False, and the module runs as before.
    """
    if not isinstance(status, dict) or status.get("status") != "deployed":
        return False
    if status.get("chart") != "%s-%s" % (chart_name(chart_ref), version):
        return False
    return (status.get("values") or {}) == (values or {})


class FilterModule(object):
    """Decisions of the helm_release role."""

    def filters(self):
        return {
            "helm_version_problem": helm_version_problem,
            "helm_release_plan": helm_release_plan,
            "helm_release_up_to_date": helm_release_up_to_date,
            "helm_release_status": release_status,
            "helm_storage_kind": storage_kind,
        }
