# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: one sidecar per filter next to this file (gpu_node_count.yml, stale_label_values.yml,
# missing_secret_keys.yml). The logic: plugins/module_utils/cluster_state.py.

from ansible_collections.gpuops.llm_inference.plugins.module_utils import cluster_state


def gpu_node_count(nodes, resource="nvidia.com/gpu"):
    return cluster_state.gpu_node_count(list(nodes or []), resource)


def stale_label_values(objects, label, wanted):
    return cluster_state.stale_label_values(list(objects or []), label, list(wanted or []))


def missing_secret_keys(lookups, default_key="api_key"):
    return cluster_state.missing_secret_keys(list(lookups or []), default_key)


class FilterModule(object):
    """What the roles read from objects found in the cluster."""

    def filters(self):
        return {
            "gpu_node_count": gpu_node_count,
            "stale_label_values": stale_label_values,
            "missing_secret_keys": missing_secret_keys,
        }
