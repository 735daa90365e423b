# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # OVH API authentication and project options, shared by the ovh_* modules.
    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - OVH API region (V(ovh-eu), V(ovh-ca), V(ovh-us)) or the base URL of the API, for example
        V(https://eu.api.ovh.com/1.0) or a proxy or test server.
      - If not set, the value of the E(OVH_ENDPOINT) environment variable is used.
    type: str
    default: ovh-eu
  application_key:
    description:
      - OVH application key.
      - If not set, the value of the E(OVH_APPLICATION_KEY) environment variable is used.
    type: str
  application_secret:
    description:
      - OVH application secret.
      - If not set, the value of the E(OVH_APPLICATION_SECRET) environment variable is used.
    type: str
  consumer_key:
    description:
      - OVH consumer key, granting the calls under C(/cloud/project/*/kube/*).
      - If not set, the value of the E(OVH_CONSUMER_KEY) environment variable is used.
    type: str
  service_name:
    description:
      - ID of the OVH Public Cloud project.
      - If not set, the value of the E(OVH_CLOUD_PROJECT_SERVICE) environment variable is used.
    type: str
    required: true
  api_timeout:
    description: Timeout in seconds of each HTTP request to the OVH API.
    type: int
    default: 60
  api_retries:
    description:
      - How many times a call answered with HTTP 429 or 5xx (or a network error on a read) is retried,
        with exponential backoff (1s, 2s, 4s... up to 30s).
    type: int
    default: 5
requirements:
  - ovh (python-ovh) >= 1.0
notes:
  - Credentials are never logged. Create them at U(https://eu.api.ovh.com/createToken/).
"""
