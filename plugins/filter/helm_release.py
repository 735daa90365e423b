# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: helm_version_problem.yml, helm_release_states.yml and helm_storage_kind.yml next to this file.

from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_guard import (
    helm_version_problem,
    release_states,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_storage import storage_kind


def helm_release_states(releases, records, info, kind, binary="helm"):
    """Filter wrapper around module_utils.helm_guard.release_states."""
    return release_states(releases, records, info, kind, binary)


class FilterModule(object):
    """Decisions of the helm_release role."""

    def filters(self):
        return {
            "helm_version_problem": helm_version_problem,
            "helm_release_states": helm_release_states,
            "helm_storage_kind": storage_kind,
        }
