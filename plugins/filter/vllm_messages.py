# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: vllm_preflight_message.yml next to this file.

from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_messages import preflight_message


def vllm_preflight_message(results, endpoint="", interpreter=""):
    """Filter wrapper around module_utils.vllm_messages.preflight_message."""
    return preflight_message(list(results or []), endpoint, interpreter)


class FilterModule(object):
    """Messages of the vllm role."""

    def filters(self):
        return {"vllm_preflight_message": vllm_preflight_message}
