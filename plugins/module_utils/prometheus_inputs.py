# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The prometheus role's input rules that argument_specs cannot express: one line per rule broken.

`inputs` maps each variable name to its value, as roles/prometheus/tasks/validate.yml passes them, plus
`known_vllm_metrics`, the vLLM part of roles/prometheus/files/known_metrics.yml (profile name -> metric list).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gpuops.llm_inference.plugins.module_utils.inputs_common import (
    as_number,
    dns_label_problems,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import is_dns_label

# A Prometheus duration (prometheus/common model.ParseDuration): integers each followed by ms, s, m, h, d, w or y.
_PROMETHEUS_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
# The release tag's leading version; a suffix (v0.30.0-cu128) is allowed, as the image tags carry one.
_RELEASE = re.compile(r"^v?([0-9]+)\.([0-9]+)\.([0-9]+)")
# vLLM renamed its metrics before v0.21.0; the metric lists start there.
OLDEST_VLLM = (0, 21, 0)
# kube-prometheus-stack cuts its full name at 26 characters; a longer release name would change the Prometheus
# Service name that gpuops_prometheus_url points keda at.
RELEASE_NAME_MAX = 26
DURATIONS = (
    "prometheus_alert_queue_for",
    "prometheus_alert_no_ready_for",
    "prometheus_scrape_interval",
    "prometheus_retention",
)


def release_version(tag):
    """(major, minor, patch) of a vLLM release tag such as v0.30.0 or 0.30.0-cu128, None when it is not one."""
    found = _RELEASE.match(tag) if isinstance(tag, str) else None
    return tuple(int(part) for part in found.groups()) if found else None


def metrics_profile(tag, known_profiles):
    """The newest known metric list not newer than the vLLM release `tag`, or None."""
    version = release_version(tag)
    if version is None:
        return None
    candidates = [p for p in known_profiles if release_version(p) is not None and release_version(p) <= version]
    return max(candidates, key=release_version) if candidates else None


def _threshold_problems(inputs):
    rules = (
        ("prometheus_alert_ttft_p95_seconds", lambda n: n > 0, "> 0"),
        ("prometheus_alert_queue_waiting", lambda n: n >= 0, ">= 0"),
        ("prometheus_alert_kv_cache_ratio", lambda n: 0 < n <= 1, "a ratio in (0, 1]"),
        ("prometheus_alert_gpu_memory_ratio", lambda n: 0 < n <= 1, "a ratio in (0, 1]"),
    )
    problems = []
    for name, holds, rule in rules:
        number = as_number(inputs[name])
        if number is None or not holds(number):
            problems.append("Alert threshold out of range: %s must be %s, got %s" % (name, rule, inputs[name]))
    return problems


def problems(inputs):
    """One line per rule the prometheus role's inputs break; empty when they break none."""
    found = dns_label_problems(
        [
            ("prometheus_namespace", inputs["prometheus_namespace"]),
            ("prometheus_vllm_namespace (gpuops_vllm_namespace)", inputs["prometheus_vllm_namespace"]),
            ("prometheus_dcgm_namespace (gpuops_gpu_operator_namespace)", inputs["prometheus_dcgm_namespace"]),
        ]
    )
    if not is_dns_label(inputs["prometheus_release_name"], RELEASE_NAME_MAX, rfc1035=True):
        found.append(
            "prometheus_release_name must be a DNS label of at most %d characters (the chart truncates longer "
            "names), got '%s'" % (RELEASE_NAME_MAX, inputs["prometheus_release_name"])
        )
    tag = inputs["prometheus_vllm_version"]
    version = release_version(tag)
    if version is None or version < OLDEST_VLLM or metrics_profile(tag, inputs["known_vllm_metrics"]) is None:
        found.append(
            "prometheus_vllm_version (defaults to gpuops_vllm_version) must be a vLLM release tag of v0.21.0 or later "
            "(metric names changed before), got '%s'" % (tag,)
        )
    found += _threshold_problems(inputs)
    for name in DURATIONS:
        value = inputs[name]
        if not (isinstance(value, str) and _PROMETHEUS_DURATION.match(value)):
            found.append("%s must be a Prometheus duration such as 30s, 5m or 1h30m, got '%s'" % (name, value))
    url = inputs.get("gpuops_prometheus_url")
    if url is not None and url != inputs["prometheus_server_url"]:
        found.append(
            "gpuops_prometheus_url ('%s'), the address keda queries, must be this release's prometheus_server_url "
            "('%s')" % (url, inputs["prometheus_server_url"])
        )
    return found
