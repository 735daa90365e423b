# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: istio_problems.yml next to this file.

from ansible_collections.gpuops.llm_inference.plugins.module_utils.istio_inputs import problems


def istio_problems(inputs):
    """Filter wrapper around module_utils.istio_inputs.problems."""
    return problems(inputs)


class FilterModule(object):
    """Checks of the istio role's inputs."""

    def filters(self):
        return {"istio_problems": istio_problems}
