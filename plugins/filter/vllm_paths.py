# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``vllm_unsafe_prefixes``: route path prefixes that would reach a path vLLM serves without a key.

The documentation lives in ``vllm_unsafe_prefixes.yml`` next to this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_paths import unsafe_prefixes


def vllm_unsafe_prefixes(prefixes):
    if not isinstance(prefixes, (list, tuple)) or not all(isinstance(p, str) for p in prefixes):
        raise AnsibleFilterError("vllm_unsafe_prefixes: the input must be a list of path prefixes")
    return unsafe_prefixes(prefixes)


class FilterModule(object):
    def filters(self):
        return {"vllm_unsafe_prefixes": vllm_unsafe_prefixes}
