# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: routes_problems.yml next to this file. The rules: plugins/module_utils/routes_inputs.py.

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.routes_inputs import problems


def routes_problems(inputs):
    """Filter wrapper around module_utils.routes_inputs.problems."""
    if not isinstance(inputs, dict):
        raise AnsibleFilterError("routes_problems: the input must be a dict of the routes role's variables")
    try:
        return problems(inputs)
    except KeyError as missing:
        raise AnsibleFilterError("routes_problems: the input lacks %s" % (missing,)) from missing


class FilterModule(object):
    """Checks of the routes role's inputs."""

    def filters(self):
        return {"routes_problems": routes_problems}
