# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: vllm_plan.yml and vllm_plan_nearest.yml next to this file (one sidecar per filter,
# which is how ansible-doc documents several filters that share a file).

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_plan import PlanError, nearest, plan


def vllm_plan(model, gpu, **kwargs):
    """Filter wrapper around module_utils.vllm_plan.plan that turns bad input into a filter error."""
    try:
        return plan(model, gpu, **kwargs)
    except PlanError as exc:
        raise AnsibleFilterError("vllm_plan: %s" % exc) from exc


def vllm_plan_nearest(model, gpu, **kwargs):
    """Filter wrapper around module_utils.vllm_plan.nearest."""
    try:
        return nearest(model, gpu, **kwargs)
    except PlanError as exc:
        raise AnsibleFilterError("vllm_plan_nearest: %s" % exc) from exc


class FilterModule(object):
    """vLLM planning filters."""

    def filters(self):
        return {"vllm_plan": vllm_plan, "vllm_plan_nearest": vllm_plan_nearest}
