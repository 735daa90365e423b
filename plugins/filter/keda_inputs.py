# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: keda_problems.yml next to this file. The rules: plugins/module_utils/keda_inputs.py.

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.keda_inputs import problems


def keda_problems(inputs):
    """Filter wrapper around module_utils.keda_inputs.problems."""
    if not isinstance(inputs, dict):
        raise AnsibleFilterError("keda_problems: the input must be a dict of the keda role's variables")
    try:
        return problems(inputs)
    except KeyError as missing:
        raise AnsibleFilterError("keda_problems: the input lacks %s" % (missing,)) from missing


class FilterModule(object):
    """Checks of the keda role's inputs."""

    def filters(self):
        return {"keda_problems": keda_problems}
