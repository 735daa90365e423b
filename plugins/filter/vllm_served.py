# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: vllm_served_models.yml next to this file.

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_resolve import merged_entry


def vllm_served_models(models):
    """[{'name', 'served_model_name'}] per entry, the served name resolved as the vllm role resolves it."""
    if not isinstance(models, list):
        raise AnsibleFilterError("vllm_served_models: vllm_models must be a list of models, got %r" % (models,))
    served = []
    for index, entry in enumerate(models):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise AnsibleFilterError("vllm_served_models: vllm_models entry %d has no name" % index)
        # The role's per-model defaults hold no served name, so none are needed to resolve it.
        merged = merged_entry(entry, {})
        served.append({"name": merged["name"], "served_model_name": merged["served_model_name"]})
    return served


class FilterModule(object):
    """The names a deployed vllm role serves its models under."""

    def filters(self):
        return {"vllm_served_models": vllm_served_models}
