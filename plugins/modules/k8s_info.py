#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is implemented by its action plugin (plugins/action/k8s_info.py), which runs kubernetes.core.k8s_info.

DOCUMENTATION = r"""
module: k8s_info
short_description: kubernetes.core.k8s_info, without a Python process per read on the controller
version_added: 0.1.0
author: gpuops.llm_inference contributors (@gpuops)
description:
  - Runs M(kubernetes.core.k8s_info) with the options given and returns its result unchanged.
  - When the task runs on the controller (a local connection, without become or async, with the controller's own
    Python), the module's own code runs in the controller's process, with the task's environment, instead of in a
    new Python process; elsewhere the module runs as usual.
  - Takes every option of M(kubernetes.core.k8s_info); the ones the roles of this collection use are listed here.
options:
  kind:
    description: Kind of the objects to read.
    type: str
    required: true
  api_version:
    description: API version of the objects.
    type: str
    default: v1
  name:
    description: Name of the object, to read one.
    type: str
  namespace:
    description: Namespace to read from; all namespaces when not given.
    type: str
  label_selectors:
    description: Label selectors the objects must match.
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode as outside it.
  diff_mode:
    support: none
    description: Reads only; there is nothing to diff.
notes:
  - The Python libraries and authentication options are those of M(kubernetes.core.k8s_info).
seealso:
  - module: kubernetes.core.k8s_info
"""

EXAMPLES = r"""
- name: Find the ScaledObjects this collection made in the vLLM namespace
  gpuops.llm_inference.k8s_info:
    api_version: keda.sh/v1alpha1
    kind: ScaledObject
    namespace: vllm
    label_selectors:
      - app.kubernetes.io/managed-by=gpuops.llm_inference
  register: found
"""

RETURN = r"""
api_found:
  description: Whether the API of the kind was found, as M(kubernetes.core.k8s_info) returns it.
  returned: always
  type: bool
resources:
  description: The objects found, as the API returned them.
  returned: success
  type: list
  elements: dict
"""
