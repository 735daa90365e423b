# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers the roles read from objects that kubernetes.core.k8s_info returned.

Each takes the plain resource dictionaries, so unit tests pass literal objects instead of a cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _quantity_is_zero(value):
    # The kubelet reports extended resources as integer quantities ("0", "4"); anything else counts as present.
    return str(value).strip() in ("", "0")


def gpu_node_count(nodes, resource="nvidia.com/gpu"):
    """The number of nodes whose status.allocatable offers at least one `resource`."""
    count = 0
    for node in nodes or []:
        allocatable = ((node or {}).get("status") or {}).get("allocatable") or {}
        if resource in allocatable and not _quantity_is_zero(allocatable[resource]):
            count += 1
    return count


def stale_label_values(objects, label, wanted):
    """The values of `label` on `objects` that `wanted` does not list, sorted, each once.

    An object without the label is not reported: nothing names it, so nothing can decide it is stale.
    """
    wanted = set(wanted or [])
    found = set()
    for obj in objects or []:
        value = (((obj or {}).get("metadata") or {}).get("labels") or {}).get(label)
        if value and value not in wanted:
            found.add(value)
    return sorted(found)


def missing_secret_keys(lookups, default_key="api_key"):
    """The names of routes_api_keys entries whose from_secret Secret or data key was not found.

    `lookups` are the results of a looped k8s_info over the entries: each holds the entry under its loop
    variable (`ansible_loop_var`, `item` by default) and the Secrets found as `resources`. Only names are
    returned, never values.
    """
    missing = []
    for lookup in lookups or []:
        entry = lookup.get(lookup.get("ansible_loop_var") or "item") or {}
        key = (entry.get("from_secret") or {}).get("key") or default_key
        resources = lookup.get("resources") or []
        if not resources or key not in ((resources[0] or {}).get("data") or {}):
            missing.append(entry.get("name"))
    return missing
