# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: helm_version_problem.yml next to this file.

from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_guard import helm_version_problem


class FilterModule(object):
    """Decisions of the helm_release role."""

    def filters(self):
        return {
            "helm_version_problem": helm_version_problem,
        }
