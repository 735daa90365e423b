#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ovh_mks_nodepool_info
short_description: Read the node pools of an OVH Managed Kubernetes (MKS) cluster
version_added: 0.1.0
description:
  - Return the node pools of an OVHcloud Managed Kubernetes Service cluster, or one pool by name.
author: gpuops.llm_inference contributors (@gpuops)
extends_documentation_fragment:
  - gpuops.llm_inference.ovh
attributes:
  check_mode:
    support: full
    description: This module only reads.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
options:
  kube_id:
    description: ID of the MKS cluster.
    type: str
    required: true
  name:
    description: Only return the pool with this name (an empty list when there is none).
    type: str
"""

EXAMPLES = r"""
- name: Read the GPU pool
  gpuops.llm_inference.ovh_mks_nodepool_info:
    service_name: "{{ ovh_service_name }}"
    kube_id: "{{ ovh_kube_id }}"
    name: gpu-l40s
  register: gpu_pool

- name: Show its size
  ansible.builtin.debug:
    msg: "{{ gpu_pool.nodepools[0].currentNodes | default(0) }} GPU nodes"
"""

RETURN = r"""
nodepools:
  description: The node pools as the OVH API returns them (camelCase fields).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1f1c6a4e-6e7a-4a5d-8c4e-0c5a7e6c9b1d
      name: gpu-l40s
      flavor: l40s-90
      status: READY
      currentNodes: 1
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.args import (
    OVH_AUTH_ARGUMENT_SPEC,
    auth_problems,
    build_ovh_client,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.client import OvhClient
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.errors import OvhApiError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.nodepool import NodePoolManager

try:
    import ovh
    from ovh.exceptions import HTTPError, NetworkError

    HAS_OVH = True
    OVH_IMPORT_ERROR = None
except ImportError:
    HAS_OVH = False
    OVH_IMPORT_ERROR = traceback.format_exc()


def main():
    argument_spec = dict(kube_id=dict(type="str", required=True), name=dict(type="str"))
    argument_spec.update(OVH_AUTH_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_OVH:
        module.fail_json(msg=missing_required_lib("ovh"), exception=OVH_IMPORT_ERROR)
    p = module.params
    problems = auth_problems(p)
    if not p["kube_id"].strip():
        problems.append("kube_id is empty: give the id of the MKS cluster")
    if problems:
        module.fail_json(msg="Invalid options: %s" % "; ".join(problems))
    client = OvhClient(build_ovh_client(ovh, p), retries=p["api_retries"], network_errors=(HTTPError, NetworkError))
    manager = NodePoolManager(client, p["service_name"], p["kube_id"])
    try:
        pools = manager.list()
    except OvhApiError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    if p["name"] is not None:
        pools = [pool for pool in pools if pool.get("name") == p["name"]]
    module.exit_json(changed=False, nodepools=pools)


if __name__ == "__main__":
    main()
