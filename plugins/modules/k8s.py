#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is implemented by its action plugin (plugins/action/k8s.py), which runs kubernetes.core.k8s.

DOCUMENTATION = r"""
module: k8s
short_description: kubernetes.core.k8s with a check mode that works on a fresh cluster
version_added: 0.1.0
author: gpuops.llm_inference contributors (@gpuops)
description:
  - Runs M(kubernetes.core.k8s) with the options given, as a server-side apply under the field manager
    C(gpuops.llm_inference) for objects that state fields.
  - A server-side dry run comes first, and the write is sent only when the dry run shows a change, so a run that
    changes nothing sends no write. When the task runs on the controller (a local connection, without become or
    async, with the controller's own Python), that dry run is kubernetes.core's module code run in the controller's
    process instead of a new Python process.
  - In check mode, an object whose namespace or CustomResourceDefinition does not exist yet (because an earlier task
    of the same run creates it) is reported as a planned creation with a diff, instead of failing the server-side
    dry run with a 404.
  - In check mode, an object that would be created is reported with a diff from nothing to the object
    (M(kubernetes.core.k8s) reports only C(changed) for it).
  - Takes every option of M(kubernetes.core.k8s); the ones the roles of this collection use are listed here.
options:
  state:
    description: Whether the object should exist (M(kubernetes.core.k8s) I(state)).
    type: str
    choices: [absent, present, patched]
    default: present
  definition:
    description: The object(s), as a dict, a list or YAML text.
    type: raw
  template:
    description: A Jinja2 template of the object(s), looked up in the role's C(templates/).
    type: raw
  src:
    description:
      - A file holding the object(s), or a list of files on the controller, whose objects are then applied in one
        module run (as one O(definition) list).
    type: raw
  api_version:
    description: API version, when no definition is given.
    type: str
    default: v1
  kind:
    description: Kind, when no definition is given.
    type: str
  name:
    description: Name, when no definition is given.
    type: str
  namespace:
    description: Namespace, when no definition is given.
    type: str
  apply:
    description: Client-side apply (M(kubernetes.core.k8s) I(apply)).
    type: bool
    default: false
  server_side_apply:
    description: Server-side apply options (M(kubernetes.core.k8s) I(server_side_apply)).
    type: dict
attributes:
  check_mode:
    support: full
    description: Never writes; server-side dry runs only, as M(kubernetes.core.k8s).
  diff_mode:
    support: full
    description: Also for objects that would be created.
notes:
  - The Python libraries and authentication options are those of M(kubernetes.core.k8s).
seealso:
  - module: kubernetes.core.k8s
"""

EXAMPLES = r"""
- name: Apply the HTTPRoute (its CRD comes from an earlier task; check mode shows it as a planned creation)
  gpuops.llm_inference.k8s:
    state: present
    apply: true
    template: httproute-api.yaml.j2
"""

RETURN = r"""
result:
  description: The object as the API returned it (or, for a planned creation in check mode, as it was given).
  returned: success
  type: dict
method:
  description: C(create), C(update), C(apply), C(replace) or C(delete), as M(kubernetes.core.k8s) returns it.
  returned: success
  type: str
diff:
  description: Before and after, in diff mode.
  returned: success and diff mode
  type: raw
"""
