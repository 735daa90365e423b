# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ambient_namespaces_needed``: the namespaces an AuthorizationPolicy needs in the ambient mesh.

The documentation lives in ``ambient_namespaces_needed.yml`` next to this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.mesh import ambient_namespaces_needed


def ambient_namespaces_needed_filter(policy, own_proxies=None):
    if not isinstance(policy, dict) or policy.get("kind") != "AuthorizationPolicy":
        raise AnsibleFilterError("ambient_namespaces_needed: the input must be an AuthorizationPolicy object")
    if own_proxies is not None and not isinstance(own_proxies, (list, tuple)):
        raise AnsibleFilterError("ambient_namespaces_needed: own_proxies must be a list of principals")
    return ambient_namespaces_needed(policy, own_proxies or ())


class FilterModule(object):
    def filters(self):
        return {"ambient_namespaces_needed": ambient_namespaces_needed_filter}
