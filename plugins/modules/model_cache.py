#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: model_cache
short_description: Seed a Hugging Face model revision into a PersistentVolumeClaim
version_added: 0.1.0
author: gpuops.llm_inference contributors (@gpuops)
description:
  - Ensures the PersistentVolumeClaim that caches model weights (size, storage class, access mode).
  - Resolves O(revision) to a commit on the Hub (or the mirror in O(hf_endpoint)) from the controller.
  - When the PVC does not already hold that exact commit, runs a Kubernetes Job that downloads the model with the
    downloader shipped in this collection into the PVC, in the Hugging Face cache layout under O(hf_home), verifies
    every file against the Hub's sha256 (LFS) or git blob id (other files) and size, and records the model, commit,
    file count and bytes as annotations on the PVC.
  - A rerun for the same commit reads the annotations and changes nothing; no Job is created.
  - The PVC annotations are C(llm-inference.gpuops.io/model), C(/revision), C(/commit), C(/files), C(/bytes)
    and C(/seeded-at).
options:
  model:
    description: Repository id on the Hub, for example V(hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4).
    type: str
    required: true
  revision:
    description: Branch, tag or commit to seed; the PVC records the commit it resolved to.
    type: str
    default: main
  namespace:
    description: Namespace of the PVC and the Job.
    type: str
    required: true
  pvc_name:
    description: Name of the PersistentVolumeClaim.
    type: str
    default: model-cache
  size:
    description: Requested size of the PVC; a larger value expands an existing PVC, a smaller one is refused.
    type: str
    default: 50Gi
  storage_class:
    description: Storage class of the PVC; the cluster default when unset. Cannot change on an existing PVC.
    type: str
  access_mode:
    description: Access mode of the PVC. V(ReadWriteMany) lets several vLLM replicas on different nodes share it.
    type: str
    default: ReadWriteOnce
    choices: [ReadWriteOnce, ReadWriteOncePod, ReadWriteMany]
  hf_home:
    description:
      - Where the Job mounts the PVC, and the E(HF_HOME) of the serving Deployment that mounts it too; the snapshot
        lands in O(hf_home)C(/hub).
    type: str
    default: /models
  hf_endpoint:
    description: Hub or mirror URL, used by the controller and passed to the Job as E(HF_ENDPOINT).
    type: str
    default: https://huggingface.co
  hf_token:
    description:
      - Token the controller uses to resolve the revision of a gated or private model. Never returned or logged.
      - The Job reads its own token from O(token_secret).
    type: str
  token_secret:
    description: Secret holding the token the Job uses (E(HF_TOKEN) from a C(secretKeyRef)).
    type: dict
    suboptions:
      name:
        description: Secret name.
        type: str
        required: true
      key:
        description: Key in the Secret.
        type: str
        default: token
  allow_patterns:
    description: Only files matching one of these globs are seeded (as in C(huggingface_hub.snapshot_download)).
    type: list
    elements: str
  ignore_patterns:
    description: Files matching one of these globs are not seeded.
    type: list
    elements: str
  image:
    description:
      - Image of the Job. The default is the vLLM image the serving Deployment uses, which already holds
        huggingface_hub, so the Job installs nothing at run time and works behind a mirror.
    type: str
    default: docker.io/vllm/vllm-openai:v0.21.0
  resources:
    description: Container resources of the Job.
    type: dict
  node_selector:
    description: Node selector of the Job's pod.
    type: dict
  tolerations:
    description: Tolerations of the Job's pod.
    type: list
    elements: dict
  force:
    description:
      - Run the Job even when the PVC records the commit already. The Job verifies every file again, fetches only
        what is missing or corrupt, and records the result.
    type: bool
    default: false
  wait:
    description: Wait for the Job and record the result on the PVC. Without waiting, a later run records it.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the Job.
    type: int
    default: 3600
  wait_sleep:
    description: Seconds between two looks at the Job.
    type: int
    default: 5
  log_lines:
    description: Lines of the Job's log returned on failure.
    type: int
    default: 30
  downloader_source:
    description:
      - Python source of the downloader the seeding Job runs (the ConfigMap's C(downloader.py)).
      - The module's action plugin sets it to the collection's C(files/job_downloader.py); leave it unset.
    type: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    support: full
    description: Resolves the commit and compares it with the PVC; reports the Job it would run; writes nothing.
  diff_mode:
    support: none
    description: The result lists the actions instead of a diff.
requirements:
  - kubernetes >= 24.2.0
  - huggingface_hub
notes:
  - The Job keeps a partial download on the PVC, so a retried or rerun Job resumes it.
  - Verification is by size and sha256 for LFS files and by size and git blob id (sha1) for other files.
"""

EXAMPLES = r"""
- name: Seed the default model into the cache PVC
  gpuops.llm_inference.model_cache:
    namespace: vllm
    model: hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4
    size: 20Gi
    token_secret:
      name: hf-token

- name: Seed a pinned commit through a mirror, only the safetensors and configs
  gpuops.llm_inference.model_cache:
    namespace: vllm
    model: Qwen/Qwen2.5-7B-Instruct-AWQ
    revision: main
    hf_endpoint: https://hf-mirror.example.com
    allow_patterns: ["*.safetensors", "*.json", "tokenizer*"]
"""

RETURN = r"""
commit:
  description: Commit the revision resolved to.
  returned: success
  type: str
  sample: 3b2f9b7b2f0c8c4a3e0d1c6f6f1b8d6ac6d1c2e4
record:
  description: What the PVC holds after the run, as recorded in its annotations.
  returned: success, except with wait=false
  type: dict
  contains:
    model: {description: Repository id., type: str}
    revision: {description: Requested revision., type: str}
    commit: {description: Seeded commit., type: str}
    files: {description: Number of files., type: int}
    bytes: {description: Total size of the files., type: int}
    seeded_at: {description: When the Job finished (UTC)., type: str}
previous:
  description: The record found on the PVC before the run, if any.
  returned: success
  type: dict
job:
  description: Name of the seeding Job (created, reused, or that would be created in check mode).
  returned: when a Job is involved
  type: str
seeded:
  description: Transfer figures of the Job (downloaded_bytes, kept_files, fetched_files, refetched_files, seconds).
  returned: when a Job ran
  type: dict
plan:
  description: In check mode, the files and bytes to seed and the Job that would run.
  returned: check mode, when seeding is needed
  type: dict
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
log_tail:
  description: Last lines of the Job's log.
  returned: failure of the Job
  type: str
"""

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.errors import ModelCacheError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.hub import HAS_HF, HubResolver
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.kube import K8sCoreCluster
from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.seeder import Seeder
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException


def argument_spec():
    spec = dict(AUTH_ARG_SPEC)
    spec.update(
        model=dict(type="str", required=True),
        revision=dict(type="str", default="main"),
        namespace=dict(type="str", required=True),
        pvc_name=dict(type="str", default="model-cache"),
        size=dict(type="str", default="50Gi"),
        storage_class=dict(type="str"),
        access_mode=dict(
            type="str", default="ReadWriteOnce", choices=["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"]
        ),
        hf_home=dict(type="str", default="/models"),
        hf_endpoint=dict(type="str", default="https://huggingface.co"),
        hf_token=dict(type="str", no_log=True),
        token_secret=dict(
            type="dict",
            no_log=False,  # names a Secret; the token itself never passes through this option
            options=dict(name=dict(type="str", required=True), key=dict(type="str", default="token", no_log=False)),
        ),
        allow_patterns=dict(type="list", elements="str"),
        ignore_patterns=dict(type="list", elements="str"),
        image=dict(type="str", default="docker.io/vllm/vllm-openai:v0.21.0"),
        resources=dict(type="dict"),
        node_selector=dict(type="dict"),
        tolerations=dict(type="list", elements="dict"),
        force=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
        wait_sleep=dict(type="int", default=5),
        log_lines=dict(type="int", default=30),
        downloader_source=dict(type="str"),
    )
    return spec


def main():
    module = AnsibleK8SModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not HAS_HF:
        module.fail_json(msg=missing_required_lib("huggingface_hub"))
    params = dict(module.params)
    try:
        cluster = K8sCoreCluster(get_api_client(module=module))
        hub = HubResolver(params["hf_endpoint"], params.get("hf_token"))
        result = Seeder(params, cluster, hub, check_mode=module.check_mode, script=params["downloader_source"]).run()
    except ModelCacheError as exc:
        extra = dict(exc.result)
        extra.pop("changed", None)
        if exc.log_tail:
            extra["log_tail"] = exc.log_tail
        module.fail_json(msg=str(exc), changed=exc.result.get("changed", False), **extra)
    except CoreException as exc:
        module.fail_json(msg="Failed to reach the cluster: %s" % exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
