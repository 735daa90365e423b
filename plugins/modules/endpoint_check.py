#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: endpoint_check
short_description: Check a deployed OpenAI-compatible endpoint from the outside
version_added: 0.1.0
author: gpuops.llm_inference contributors (@gpuops)
description:
  - Runs the outside acceptance checks of C(playbooks/verify.yml) against the public endpoint, in this order, and
    returns one result per check with the figure that matters.
  - C(tls), the certificate is valid for the host name of O(url) (issuer and days to expiry);
    C(http redirect), O(http_url) answers with a redirect to HTTPS on the same host.
  - C(cold start <model>), for each model in O(cold_models), the first request is answered, not dropped with a 5xx
    (time to first byte).
  - C(no key refused) (401), C(wrong key refused) (401 or 403), C(key <name>) (each named key lists every served
    model on C(GET /v1/models)), C(revoked key <n> refused) (401 or 403).
  - C(closed <path>), each of vLLM's paths that are not OpenAI API (C(/metrics), C(/tokenize), C(/sleep), ...)
    answers neither 2xx nor 405 to a C(GET), with and without a key. Only C(GET) is sent, so an open mutating
    endpoint is never triggered; 405 means the path exists behind the gateway.
  - C(stream <model>), a streamed chat completion (time to first token, tokens per second, total time);
    C(completion <model>), a non-streamed completion has the OpenAI response shape.
  - When C(tls) fails, nothing else is sent over HTTPS and those checks are reported as skipped.
  - Failed checks do not fail the module; bad inputs do, before any request. Keys never appear in the results.
options:
  url:
    description: Base URL of the endpoint, C(https://<host>[:port]), without a path.
    type: str
    required: true
  http_url:
    description: Plain-HTTP URL whose redirect is checked; default C(http://) and the host of O(url).
    type: str
    default: ""
  api_keys:
    description: Named keys that must work; the first one sends the serving and cold-start requests.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the key, as in C(routes_api_keys).
        type: str
        required: true
      key:
        description:
          - The bearer token. Never returned or logged.
          - Required; an entry without one (a key kept only in a cluster Secret) is refused with a message.
        type: str
      from_secret:
        description: Accepted so C(routes_api_keys) can be passed as it is; such a key cannot be checked from outside.
        type: dict
  revoked_keys:
    description: Keys that must now be refused. Never returned or logged.
    type: list
    elements: str
    default: []
  models:
    description: Served model names that C(GET /v1/models) must list and that are each asked for a completion.
    type: list
    elements: str
    required: true
  cold_models:
    description: Served model names whose first request is a cold start (their Deployment is at zero replicas).
    type: list
    elements: str
    default: []
  ca_path:
    description: CA bundle that signs the endpoint's certificate (staging issuer, private CA); empty uses the system's.
    type: path
  max_tokens:
    description: C(max_tokens) of the serving requests.
    type: int
    default: 16
  min_cert_days:
    description: Fewest days the certificate may have left (cert-manager renews 30 days before expiry).
    type: int
    default: 7
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 60
  cold_start_timeout:
    description: Seconds to wait for the first answer of a cold model (GPU node and model load).
    type: float
    default: 900
  validate_only:
    description: Only check the inputs (URLs, keys, CA bundle, models) and return; no request is sent.
    type: bool
    default: false
notes:
  - Uses only the Python standard library (C(http.client), C(ssl)); runs on the controller.
  - Supports check mode; it only reads and asks for completions, so check mode runs every check.
seealso:
  - module: gpuops.llm_inference.prometheus_check
"""

EXAMPLES = r"""
- name: Check the endpoint from the outside
  gpuops.llm_inference.endpoint_check:
    url: https://llm.example.com
    api_keys: "{{ routes_api_keys }}"
    models: [llama-3.1-8b-instruct]
    revoked_keys: "{{ vault_revoked_keys }}"
  register: outside
"""

RETURN = r"""
checks:
  description: One entry per check, in the order they ran; empty with O(validate_only).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The check, for example C(tls), C(key team-a), C(closed /metrics), C(stream llama-3.1-8b-instruct).
      type: str
    result:
      description: V(pass), V(fail) or V(skip).
      type: str
    figure:
      description: What was measured or seen, for the summary table.
      type: str
      sample: TTFT 0.21s, 48.0 tokens/s, 16 tokens in 0.52s
    detail:
      description: What was seen when the check failed; empty otherwise.
      type: str
failed_checks:
  description: Names of the checks that failed.
  returned: success
  type: list
  elements: str
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify import report
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.endpoint import EndpointChecker
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.errors import VerifyInputError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.http import StdlibOpener
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.inputs import Target, prepare


def argument_spec():
    return dict(
        url=dict(type="str", required=True),
        http_url=dict(type="str", default=""),
        api_keys=dict(
            type="list",
            elements="dict",
            required=True,
            # The key suboption is no_log; the names are what the results report.
            no_log=False,
            options=dict(
                name=dict(type="str", required=True),
                key=dict(type="str", no_log=True),
                from_secret=dict(type="dict", no_log=False),
            ),
        ),
        revoked_keys=dict(type="list", elements="str", default=[], no_log=True),
        models=dict(type="list", elements="str", required=True),
        cold_models=dict(type="list", elements="str", default=[]),
        ca_path=dict(type="path"),
        max_tokens=dict(type="int", default=16, no_log=False),
        min_cert_days=dict(type="int", default=7),
        timeout=dict(type="float", default=60),
        cold_start_timeout=dict(type="float", default=900),
        validate_only=dict(type="bool", default=False),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    target = Target(p["url"], p["api_keys"], p["models"], p["http_url"], p["revoked_keys"], p["ca_path"] or "")
    try:
        prepare(target)
    except VerifyInputError as exc:
        module.fail_json(msg=str(exc))
    if p["validate_only"]:
        module.exit_json(changed=False, checks=[], failed_checks=[])
    checker = EndpointChecker(
        StdlibOpener(target.ca_path or None, p["timeout"]),
        target,
        clock=time.monotonic,
        now=time.time,
        max_tokens=p["max_tokens"],
        min_cert_days=p["min_cert_days"],
        cold_models=p["cold_models"],
        cold_start_timeout=p["cold_start_timeout"],
    )
    checks = checker.run()
    failed = [c["name"] for c in checks if c["result"] == report.FAIL]
    module.exit_json(changed=False, checks=checks, failed_checks=failed)


if __name__ == "__main__":
    main()
