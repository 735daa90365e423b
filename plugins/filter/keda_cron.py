# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: keda_cron_problems.yml next to this file.

from ansible_collections.gpuops.llm_inference.plugins.module_utils.keda_cron import cron_problems


def keda_cron_problems(start, end, days, replicas):
    """Filter wrapper around module_utils.keda_cron.cron_problems."""
    return cron_problems(start, end, days, replicas)


class FilterModule(object):
    """Checks of the keda role's business-hours window."""

    def filters(self):
        return {"keda_cron_problems": keda_cron_problems}
