#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: prometheus_check
short_description: Check that Prometheus scrapes every vLLM model and has the collection's alerts loaded
version_added: 0.1.0
author: gpuops.llm_inference contributors (@gpuops)
description:
  - C(prometheus vllm:num_requests_waiting), Prometheus holds at least one C(vllm:num_requests_waiting) series per
    model (label C(model), the model's name as the vLLM ServiceMonitor copies it from the Service) within
    O(window), so a model at zero replicas still counts when it served recently.
  - C(prometheus alert rules), every alert of O(rules) is loaded (C(GET /api/v1/rules?type=alert)).
  - Failed checks do not fail the module; they are returned for the summary of C(playbooks/verify.yml).
options:
  url:
    description:
      - Base URL of the Prometheus HTTP API, for example C(http://localhost:9090) through
        C(kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090), or the in-cluster
        Service address when the controller runs in the cluster.
    type: str
    required: true
  models:
    description: Model names (the C(name) of each C(vllm_models) entry) that must have a series.
    type: list
    elements: str
    required: true
  namespace:
    description: Namespace of the vLLM Services (label C(namespace) of the series).
    type: str
    default: vllm
  window:
    description: PromQL range over which a series counts as present.
    type: str
    default: 1h
  rules:
    description:
      - PrometheusRule objects, as M(kubernetes.core.k8s_info) returns them; every alert they define must be loaded.
      - An empty list fails the rules check (the collection's rules are missing from the cluster).
    type: list
    elements: dict
    default: []
  ca_path:
    description: CA bundle for an HTTPS O(url).
    type: path
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 30
notes:
  - Supports check mode; it only reads.
seealso:
  - module: gpuops.llm_inference.endpoint_check
"""

EXAMPLES = r"""
- name: Check what Prometheus has
  gpuops.llm_inference.prometheus_check:
    url: http://localhost:9090
    models: [llama31-8b]
    rules: "{{ prometheus_rules.resources }}"
  register: prometheus
"""

RETURN = r"""
checks:
  description: One entry per check (name, result, figure, detail), as M(gpuops.llm_inference.endpoint_check) returns.
  returned: success
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.cluster import PrometheusChecker, alert_names
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.http import StdlibOpener


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            models=dict(type="list", elements="str", required=True),
            namespace=dict(type="str", default="vllm"),
            window=dict(type="str", default="1h"),
            rules=dict(type="list", elements="dict", default=[]),
            ca_path=dict(type="path"),
            timeout=dict(type="float", default=30),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not p["url"].startswith(("http://", "https://")):
        module.fail_json(
            msg="Failed to query Prometheus: verify_prometheus_url must be an http(s) URL, got %r" % p["url"]
        )
    checker = PrometheusChecker(StdlibOpener(p["ca_path"], p["timeout"]), p["url"])
    checks = [checker.series(p["models"], p["namespace"], p["window"]), checker.rules(alert_names(p["rules"]))]
    module.exit_json(changed=False, checks=checks)


if __name__ == "__main__":
    main()
