#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is implemented by its action plugin (plugins/action/helm_release_plan.py).

DOCUMENTATION = r"""
module: helm_release_plan
short_description: Read Helm releases where helm stores them and decide what the helm_release role does with each
version_added: 0.1.0
author: gpuops.llm_inference contributors (@gpuops)
description:
  - The read and the decision of the collection's C(helm_release) role, in one task that changes nothing.
  - Reads each release's latest revision from the Secrets (ConfigMaps with I(driver=configmap)) that Helm 3 labels
    C(owner=helm) and C(name=<release>), with M(kubernetes.core.k8s_info) (in the controller's process when the task
    runs on the controller with its own Python, as M(gpuops.llm_inference.k8s_info) does).
  - With a driver that keeps releases outside Kubernetes objects (C(memory), C(sql)), asks
    M(kubernetes.core.helm_info) for every state of each release.
  - Checks the helm version (C(helm version --short)) before the first helm call, M(kubernetes.core.helm_info) or
    the install of a release that is not up to date, once per binary and host (the fact
    C(__helm_release_checked_binary) remembers it); Helm 4, or a Helm 3 older than 3.10.0, fails the task. When
    every release is up to date and stored in Kubernetes objects, no helm process runs.
  - Decides for each release whether kubernetes.core.helm must run, with the comparison the module makes without the
    helm-diff plugin (C(deployed), chart C(<name>-<version>), user values), whether a C(failed) release must be
    upgraded again (C(force)), and what diff mode shows.
  - Fails, naming the release, its state and the helm command that repairs it, when a release is
    C(pending-install), C(pending-upgrade), C(pending-rollback) or C(uninstalling), which helm refuses to change.
options:
  releases:
    description:
      - The releases, as the role's C(helm_release_releases) lists them (C(name), C(chart), C(version),
        C(namespace), and optionally C(repo_url), C(values), C(wait), C(wait_timeout)).
    type: list
    elements: dict
    required: true
  driver:
    description:
      - Helm's storage driver (C(HELM_DRIVER)); empty is helm's default, C(secrets).
    type: str
    default: ""
  binary_path:
    description:
      - The helm binary to check and run with the C(memory) or C(sql) driver, and to name in repair commands.
      - C(helm) on the C(PATH) when not given.
    type: path
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode as outside it.
  diff_mode:
    support: none
    description: Reads only; the role shows each release's diff.
notes:
  - The Python libraries and authentication options are those of M(kubernetes.core.k8s_info), read from the task's
    environment (C(K8S_AUTH_KUBECONFIG) and the like).
seealso:
  - module: kubernetes.core.helm_info
  - module: gpuops.llm_inference.k8s_info
"""

EXAMPLES = r"""
- name: Read and plan two releases
  gpuops.llm_inference.helm_release_plan:
    releases:
      - {name: istio-base, chart: base, version: 1.28.0, namespace: istio-system,
         repo_url: "https://istio-release.storage.googleapis.com/charts"}
      - {name: istiod, chart: istiod, version: 1.28.0, namespace: istio-system,
         repo_url: "https://istio-release.storage.googleapis.com/charts", values: {profile: ambient}}
    driver: "{{ lookup('ansible.builtin.env', 'HELM_DRIVER') }}"
  register: plan
"""

RETURN = r"""
ansible_facts:
  description: C(__helm_release_checked_binary), the helm binary whose version passed the check, when it was checked.
  returned: when the version was checked or had been checked before
  type: dict
releases:
  description:
    - The releases in order, defaults filled in (C(repo_url), C(values), C(wait), C(wait_timeout)), each with
      C(current) (the state found, empty without a release), C(plan) (C(state), C(exists), C(force), C(error)),
      C(up_to_date) (nothing to install), C(before) and C(after) (release, chart and values, for diff mode).
  returned: always
  type: list
  elements: dict
"""
