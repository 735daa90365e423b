# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The istio role's inputs: which rule a setting breaks, one line each, naming the variable.

The types and the booleans are the argument specs' job (meta/argument_specs.yml); these are the rules they cannot
express: Kubernetes names, a pinned chart version, Go durations, an addressable ext_authz provider and a Gateway API
CRD source that can be read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import (
    is_dns_label,
    is_dns_subdomain,
    is_go_duration,
    is_pinned_version,
)

# A role variable that falls back on a contract variable is named with it: the user may have set either.
PROVIDER_NAME = "istio_ext_authz_provider_name (gpuops_authz_provider_name)"


def _port(value):
    """The port number, or None when `value` is not a whole number."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _names_problems(inputs):
    problems = []
    namespace = inputs.get("istio_namespace")
    if not is_dns_label(namespace):
        problems.append("istio_namespace must be a DNS-1123 label, got %r" % (namespace,))
    ambient = inputs.get("istio_ambient_namespaces") or []
    bad = [name for name in ambient if not is_dns_label(name)]
    if bad:
        problems.append("every entry of istio_ambient_namespaces must be a DNS-1123 label, got %s" % (bad,))
    return problems


def _versions_problems(inputs):
    problems = []
    version = inputs.get("istio_chart_version")
    if not is_pinned_version(version):
        problems.append("istio_chart_version must be an exact version such as 1.30.3, got %r" % (version,))
    for name in ("istio_wait_timeout", "istio_ext_authz_timeout"):
        if not is_go_duration(inputs.get(name)):
            problems.append("%s must be a Go duration such as 10m or 2s, got %r" % (name, inputs.get(name)))
    return problems


def _ext_authz_problems(inputs):
    if not boolean(inputs.get("istio_ext_authz_enabled"), strict=False):
        return []
    problems = []
    provider = inputs.get("istio_ext_authz_provider_name")
    if not is_dns_label(provider):
        problems.append("%s must be a DNS label, got %r" % (PROVIDER_NAME, provider))
    service = inputs.get("istio_ext_authz_service")
    if not is_dns_subdomain(service):
        problems.append("istio_ext_authz_service must be a DNS name, got %r" % (service,))
    port = _port(inputs.get("istio_ext_authz_port"))
    if port is None or not 0 < port < 65536:
        problems.append("istio_ext_authz_port must be a port (1-65535), got %r" % (inputs.get("istio_ext_authz_port"),))
    return problems


def _crds_problems(inputs):
    src = inputs.get("istio_gateway_api_crds_src") or ""
    url = inputs.get("istio_gateway_api_crds_url") or ""
    if src and not os.path.exists(src):
        return ["istio_gateway_api_crds_src must name an existing file or directory, got %r" % (src,)]
    if not src and not str(url).startswith("https://"):
        return [
            "istio_gateway_api_crds_url must be an https:// URL when istio_gateway_api_crds_src is empty, got %r"
            % (url,)
        ]
    return []


def problems(inputs):
    """One line per rule the istio role's inputs break; empty when they break none.

    `inputs` maps each variable name (istio_namespace, ...) to its value, as roles/istio/tasks/validate.yml passes
    them.
    """
    inputs = inputs or {}
    return _names_problems(inputs) + _versions_problems(inputs) + _ext_authz_problems(inputs) + _crds_problems(inputs)
