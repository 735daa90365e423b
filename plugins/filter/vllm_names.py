# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: vllm_cache_pvc.yml and vllm_object_name.yml next to this file.

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_names import (
    ModelNameError,
    cache_pvc_name,
    object_name,
)


def vllm_cache_pvc(model_name):
    """Filter wrapper around module_utils.vllm_names.cache_pvc_name."""
    try:
        return cache_pvc_name(model_name)
    except ModelNameError as exc:
        raise AnsibleFilterError("vllm_cache_pvc: %s" % exc) from exc


def vllm_object_name(model_name):
    """Filter wrapper around module_utils.vllm_names.object_name."""
    try:
        return object_name(model_name)
    except ModelNameError as exc:
        raise AnsibleFilterError("vllm_object_name: %s" % exc) from exc


class FilterModule(object):
    """Names of the vllm role's objects."""

    def filters(self):
        return {"vllm_cache_pvc": vllm_cache_pvc, "vllm_object_name": vllm_object_name}
