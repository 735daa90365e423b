# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVH authentication options (documented once in plugins/doc_fragments/ovh.py) and the client factory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

# python-ovh's own table; repeated here so a bad region fails before the library is imported.
OVH_REGIONS = ("ovh-eu", "ovh-ca", "ovh-us")

OVH_AUTH_ARGUMENT_SPEC = dict(
    endpoint=dict(type="str", default="ovh-eu", fallback=(env_fallback, ["OVH_ENDPOINT"])),
    application_key=dict(type="str", no_log=True, fallback=(env_fallback, ["OVH_APPLICATION_KEY"])),
    application_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["OVH_APPLICATION_SECRET"])),
    consumer_key=dict(type="str", no_log=True, fallback=(env_fallback, ["OVH_CONSUMER_KEY"])),
    api_timeout=dict(type="int", default=60),
    api_retries=dict(type="int", default=5),
    service_name=dict(type="str", required=True, fallback=(env_fallback, ["OVH_CLOUD_PROJECT_SERVICE"])),
)


def auth_problems(params):
    """Return the reasons the auth options cannot work, checked before any API call."""
    problems = []
    missing = [k for k in ("application_key", "application_secret", "consumer_key") if not params.get(k)]
    if missing:
        problems.append(
            "missing OVH credentials: %s (set the options or the OVH_APPLICATION_KEY, "
            "OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY environment variables)" % ", ".join(missing)
        )
    endpoint = params.get("endpoint") or ""
    if endpoint not in OVH_REGIONS and not endpoint.startswith(("https://", "http://")):
        problems.append(
            "endpoint %r is neither an OVH region (%s) nor an http(s) URL" % (endpoint, ", ".join(OVH_REGIONS))
        )
    if params.get("api_retries", 0) < 0:
        problems.append("api_retries must be 0 or more")
    return problems


def build_ovh_client(ovh_module, params):
    """Create a python-ovh client from the module parameters.

    python-ovh only accepts its region names, so a URL endpoint (a proxy, or the test fake)
    is set on the client after construction. ``_endpoint`` is private to python-ovh 1.x; the
    target URL and the request signature are both built from it (ovh/client.py raw_call).
    """
    endpoint = params["endpoint"]
    region = endpoint if endpoint in OVH_REGIONS else "ovh-eu"
    client = ovh_module.Client(
        endpoint=region,
        application_key=params["application_key"],
        application_secret=params["application_secret"],
        consumer_key=params["consumer_key"],
        timeout=params.get("api_timeout") or 60,
    )
    if endpoint not in OVH_REGIONS:
        client._endpoint = endpoint.rstrip("/")
    return client
