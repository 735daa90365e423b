# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gpu_operator role's inputs: which rule a setting breaks, one line each, naming the variable.

The types are the argument specs' job (meta/argument_specs.yml); these are the rules across settings that they
cannot express: time-slicing and the wait for allocatable GPUs both need the device plugin, which is what
advertises nvidia.com/gpu.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import is_dns_label, is_dns_subdomain

# A role variable that falls back on a contract variable is named with it: the user may have set either.
NAMESPACE = "gpu_operator_namespace (gpuops_gpu_operator_namespace)"


def _at_least(value, minimum):
    """True when `value` is a whole number (an int, or text of one) of at least `minimum`."""
    if isinstance(value, bool):
        return False
    try:
        return int(str(value).strip()) >= minimum
    except ValueError:
        return False


def _on(inputs, name):
    return boolean(inputs.get(name), strict=False)


def _time_slicing_problems(inputs):
    if not _on(inputs, "gpu_operator_time_slicing_enabled"):
        return []
    problems = []
    if not _on(inputs, "gpu_operator_device_plugin_enabled"):
        problems.append(
            "gpu_operator_time_slicing_enabled needs gpu_operator_device_plugin_enabled (the device plugin does the "
            "sharing)"
        )
    replicas = inputs.get("gpu_operator_time_slicing_replicas")
    if not _at_least(replicas, 2):
        problems.append("gpu_operator_time_slicing_replicas must be at least 2, got %r" % (replicas,))
    configmap = inputs.get("gpu_operator_time_slicing_configmap")
    if not is_dns_subdomain(configmap):
        problems.append("gpu_operator_time_slicing_configmap must be a DNS-1123 name, got %r" % (configmap,))
    return problems


def _wait_problems(inputs):
    if not _on(inputs, "gpu_operator_wait_for_gpu"):
        return []
    problems = []
    if not _on(inputs, "gpu_operator_device_plugin_enabled"):
        problems.append(
            "gpu_operator_wait_for_gpu needs gpu_operator_device_plugin_enabled (nothing else advertises "
            "nvidia.com/gpu)"
        )
    for name in (
        "gpu_operator_wait_for_gpu_nodes",
        "gpu_operator_wait_for_gpu_retries",
        "gpu_operator_wait_for_gpu_delay",
    ):
        if not _at_least(inputs.get(name), 1):
            problems.append("%s must be at least 1, got %r" % (name, inputs.get(name)))
    return problems


def problems(inputs):
    """One line per rule the gpu_operator role's inputs break; empty when they break none.

    `inputs` maps each variable name (gpu_operator_namespace, ...) to its value, as
    roles/gpu_operator/tasks/validate.yml passes them.
    """
    inputs = inputs or {}
    namespace = inputs.get("gpu_operator_namespace")
    found = [] if is_dns_label(namespace) else ["%s must be a DNS-1123 label, got %r" % (NAMESPACE, namespace)]
    return found + _time_slicing_problems(inputs) + _wait_problems(inputs)
