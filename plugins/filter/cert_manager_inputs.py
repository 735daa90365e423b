# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: cert_manager_problems.yml next to this file.

from ansible_collections.gpuops.llm_inference.plugins.module_utils.cert_manager_inputs import problems


def cert_manager_problems(inputs):
    """Filter wrapper around module_utils.cert_manager_inputs.problems."""
    return problems(inputs)


class FilterModule(object):
    """Checks of the cert_manager role's inputs."""

    def filters(self):
        return {"cert_manager_problems": cert_manager_problems}
