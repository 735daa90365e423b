#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ovh_mks_nodepool
short_description: Manage a node pool of an OVH Managed Kubernetes (MKS) cluster
version_added: 0.1.0
description:
  - Create, update, recreate or delete a node pool of an OVHcloud Managed Kubernetes Service cluster
    through the OVH API (C(/cloud/project/{serviceName}/kube/{kubeId}/nodepool)).
  - Waits until the pool is C(READY) with the requested number of nodes. A pool in C(ERROR) or a C(USER_*) status
    ends the wait with that status in the message.
  - Options that are not set are not managed; the pool keeps its current value.
author: gpuops.llm_inference contributors (@gpuops)
extends_documentation_fragment:
  - gpuops.llm_inference.ovh
attributes:
  check_mode:
    support: full
    description: Reports what it would create, change or delete; calls no mutating API and does not wait.
  diff_mode:
    support: full
    description: Returns the pool's managed fields before and after (camelCase, as the OVH API names them).
options:
  kube_id:
    description: ID of the MKS cluster.
    type: str
    required: true
  name:
    description:
      - Name of the node pool. Lower-case letters, digits and V(-) only (OVH refuses V(_)), at most 63 characters.
    type: str
    required: true
  state:
    description: Whether the pool should exist.
    type: str
    choices: [present, absent]
    default: present
  flavor:
    description:
      - Instance flavor of the nodes, for example V(b3-8) or V(l40s-90). Required to create a pool.
      - Cannot be changed on an existing pool, see O(recreate).
    type: str
  validate_flavor:
    description: Before creating a pool, check that O(flavor) is offered by the cluster's region.
    type: bool
    default: true
  desired_nodes:
    description:
      - Number of nodes wanted. Must lie within O(min_nodes)..O(max_nodes).
      - When the autoscaler is on (O(autoscale)), it owns this number; it is then only used at creation, and
        on updates the current value is only pulled back inside the new min..max.
    type: int
  min_nodes:
    description: Minimum number of nodes of the pool (the autoscaler's lower bound).
    type: int
  max_nodes:
    description: Maximum number of nodes of the pool (the autoscaler's upper bound).
    type: int
  autoscale:
    description: Enable the cluster autoscaler on the pool.
    type: bool
  autoscaling:
    description: Tuning of the cluster autoscaler for this pool.
    type: dict
    suboptions:
      scale_down_utilization_threshold:
        description: Utilisation (requested resources divided by capacity) below which a node may be removed.
        type: float
      scale_down_unneeded_time_seconds:
        description: How long a node must be unneeded before it is removed.
        type: int
      scale_down_unready_time_seconds:
        description: How long an unready node must be unneeded before it is removed.
        type: int
  anti_affinity:
    description: Spread the nodes on different hypervisors (OVH then limits the pool to 5 nodes). Immutable.
    type: bool
  monthly_billed:
    description: Bill the nodes monthly instead of hourly. Immutable.
    type: bool
  availability_zones:
    description: Availability zones of the pool (multi-zone regions only). Immutable.
    type: list
    elements: str
  labels:
    description: Kubernetes labels set on every node of the pool. Replaces the pool's labels when set.
    type: dict
  annotations:
    description: Kubernetes annotations set on every node of the pool. Replaces the pool's annotations when set.
    type: dict
  finalizers:
    description: Finalizers set on every node of the pool.
    type: list
    elements: str
  taints:
    description: Taints set on every node of the pool. Replaces the pool's taints when set.
    type: list
    elements: dict
    suboptions:
      key:
        description: Taint key.
        type: str
        required: true
      value:
        description: Taint value.
        type: str
      effect:
        description: Taint effect.
        type: str
        required: true
        choices: [NoSchedule, PreferNoSchedule, NoExecute]
  unschedulable:
    description: Mark the nodes of the pool unschedulable.
    type: bool
  recreate:
    description:
      - When an immutable option (O(flavor), O(anti_affinity), O(monthly_billed), O(availability_zones)) differs,
        delete the pool and create it again instead of failing. The pool's nodes are replaced.
    type: bool
    default: false
  wait:
    description:
      - Wait until the pool is READY with the desired number of nodes (or gone, for O(state=absent)).
      - With O(autoscale) on, the autoscaler owns the node count, so the wait ends once the pool is READY with a
        node count between O(min_nodes) and O(max_nodes), whatever O(desired_nodes) says.
    type: bool
    default: true
  wait_timeout:
    description: How long to wait, in seconds.
    type: int
    default: 1800
  wait_sleep:
    description: Seconds between two polls while waiting.
    type: float
    default: 15
"""

EXAMPLES = r"""
- name: Ensure the GPU pool exists, scaled to zero outside business hours
  gpuops.llm_inference.ovh_mks_nodepool:
    service_name: "{{ ovh_service_name }}"
    kube_id: "{{ ovh_kube_id }}"
    name: gpu-l40s
    flavor: l40s-90
    desired_nodes: 0
    min_nodes: 0
    max_nodes: 2
    autoscale: true
    labels:
      nvidia.com/gpu.present: "true"
    taints:
      - key: nvidia.com/gpu
        value: present
        effect: NoSchedule

- name: Change the flavor of a pool by recreating it
  gpuops.llm_inference.ovh_mks_nodepool:
    service_name: "{{ ovh_service_name }}"
    kube_id: "{{ ovh_kube_id }}"
    name: gpu-l40s
    flavor: h100-380
    recreate: true

- name: Remove a pool
  gpuops.llm_inference.ovh_mks_nodepool:
    service_name: "{{ ovh_service_name }}"
    kube_id: "{{ ovh_kube_id }}"
    name: gpu-l40s
    state: absent
"""

RETURN = r"""
nodepool:
  description: The node pool as the OVH API last returned it (camelCase fields); empty when absent.
  returned: always
  type: dict
  sample:
    id: 1f1c6a4e-6e7a-4a5d-8c4e-0c5a7e6c9b1d
    name: gpu-l40s
    flavor: l40s-90
    status: READY
    desiredNodes: 1
    currentNodes: 1
    minNodes: 0
    maxNodes: 2
    autoscale: true
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
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.spec import static_problems
from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.waiter import Waiter

try:
    import ovh
    from ovh.exceptions import HTTPError, NetworkError

    HAS_OVH = True
    OVH_IMPORT_ERROR = None
except ImportError:
    HAS_OVH = False
    OVH_IMPORT_ERROR = traceback.format_exc()


def argument_spec():
    spec = dict(
        kube_id=dict(type="str", required=True),
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        flavor=dict(type="str"),
        validate_flavor=dict(type="bool", default=True),
        desired_nodes=dict(type="int"),
        min_nodes=dict(type="int"),
        max_nodes=dict(type="int"),
        autoscale=dict(type="bool"),
        autoscaling=dict(
            type="dict",
            options=dict(
                scale_down_utilization_threshold=dict(type="float"),
                scale_down_unneeded_time_seconds=dict(type="int"),
                scale_down_unready_time_seconds=dict(type="int"),
            ),
        ),
        anti_affinity=dict(type="bool"),
        monthly_billed=dict(type="bool"),
        availability_zones=dict(type="list", elements="str"),
        labels=dict(type="dict"),
        annotations=dict(type="dict"),
        finalizers=dict(type="list", elements="str"),
        taints=dict(
            type="list",
            elements="dict",
            options=dict(
                key=dict(type="str", required=True, no_log=False),
                value=dict(type="str"),
                effect=dict(type="str", required=True, choices=["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            ),
        ),
        unschedulable=dict(type="bool"),
        recreate=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        wait_sleep=dict(type="float", default=15),
    )
    spec.update(OVH_AUTH_ARGUMENT_SPEC)
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not HAS_OVH:
        module.fail_json(msg=missing_required_lib("ovh"), exception=OVH_IMPORT_ERROR)
    p = module.params
    problems = auth_problems(p) + static_problems(p)
    if problems:
        module.fail_json(msg="Invalid options for node pool %s: %s" % (p["name"], "; ".join(problems)))
    client = OvhClient(build_ovh_client(ovh, p), retries=p["api_retries"], network_errors=(HTTPError, NetworkError))
    waiter = Waiter(p["wait_timeout"], p["wait_sleep"]) if p["wait"] and not module.check_mode else None
    manager = NodePoolManager(client, p["service_name"], p["kube_id"], waiter, module.check_mode)
    try:
        result = manager.absent(p["name"]) if p["state"] == "absent" else manager.present(p)
    except OvhApiError as exc:
        module.fail_json(msg=exc.message, changed=exc.changed, status=exc.status, **exc.partial)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
