# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cert_manager role's inputs: which rule a setting breaks, one line each, naming the variable.

The types, the required issuer keys and the solver choices are the argument specs' job (meta/argument_specs.yml);
these are the rules they cannot express. The deSEC token is only ever checked for being set, never quoted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import (
    is_dns_label,
    is_dns_subdomain,
    is_pinned_version,
)

# One @, no blanks, a dot in the domain: enough to catch a name or a placeholder where an address belongs.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The webhook chart's own groupName defaults: placeholders that several clusters would share.
PLACEHOLDER_GROUP_NAMES = ("acmedns.example.org", "acme.ukmetrics.ca")
DNS01 = "An issuer uses dns01: "


def _issuers(inputs):
    issuers = inputs.get("cert_manager_issuers")
    return [i if isinstance(i, dict) else {} for i in issuers] if isinstance(issuers, list) else []


def solvers(inputs):
    """The challenge types the issuers use; an issuer without `solver` uses cert_manager_acme_solver."""
    default = inputs.get("cert_manager_acme_solver")
    return {issuer.get("solver") or default for issuer in _issuers(inputs)}


def _chart_problems(inputs):
    problems = []
    namespace = inputs.get("cert_manager_namespace")
    if not is_dns_label(namespace):
        problems.append("cert_manager_namespace must be a DNS-1123 label, got %r" % (namespace,))
    for name in ("cert_manager_chart_version", "cert_manager_desec_chart_version"):
        if not is_pinned_version(inputs.get(name)):
            problems.append("%s must be an exact version, got %r" % (name, inputs.get(name)))
    email = inputs.get("cert_manager_acme_email")
    if not isinstance(email, str) or not _EMAIL.match(email):
        problems.append("cert_manager_acme_email must be an e-mail address, got %r" % (email,))
    return problems


def _issuer_problems(inputs):
    issuers = _issuers(inputs)
    if not issuers:
        return ["cert_manager_issuers must hold at least one issuer, got %r" % (inputs.get("cert_manager_issuers"),)]
    problems = []
    names = [issuer.get("name") for issuer in issuers]
    bad = [name for name in names if not is_dns_subdomain(name)]
    if bad:
        problems.append("cert_manager_issuers names must be DNS-1123 names, got %s" % (bad,))
    twice = sorted({str(name) for name in names if names.count(name) > 1})
    if twice:
        problems.append("cert_manager_issuers names must be unique, got %s more than once" % ", ".join(twice))
    plain = [issuer.get("name") for issuer in issuers if not str(issuer.get("server") or "").startswith("https://")]
    if plain:
        problems.append("cert_manager_issuers servers must be https:// ACME directories, not so for %s" % (plain,))
    return problems


def _dns01_problems(inputs):
    if "dns01" not in solvers(inputs):
        return []
    problems = []
    if not inputs.get("cert_manager_desec_token"):
        problems.append(DNS01 + "cert_manager_desec_token must be set (from Vault)")
    group = inputs.get("cert_manager_desec_group_name")
    if not is_dns_subdomain(group) or "." not in group or group in PLACEHOLDER_GROUP_NAMES:
        problems.append(
            DNS01
            + "cert_manager_desec_group_name must be a domain of yours (not the chart's placeholder), got %r" % (group,)
        )
    domain = inputs.get("cert_manager_desec_domain")
    if not is_dns_subdomain(domain):
        problems.append(DNS01 + "cert_manager_desec_domain must be the deSEC zone, got %r" % (domain,))
    solver = inputs.get("cert_manager_desec_solver_name")
    if not is_dns_label(solver):
        problems.append(DNS01 + "cert_manager_desec_solver_name must be a DNS label, got %r" % (solver,))
    secret = inputs.get("cert_manager_desec_secret_name")
    if not is_dns_subdomain(secret):
        problems.append(DNS01 + "cert_manager_desec_secret_name must be a DNS name, got %r" % (secret,))
    return problems


def _http01_problems(inputs):
    if "http01" not in solvers(inputs):
        return []
    checks = (
        ("cert_manager_http01_gateway_name", is_dns_subdomain),
        ("cert_manager_http01_gateway_namespace", is_dns_label),
        ("cert_manager_http01_gateway_listener", is_dns_subdomain),
    )
    return [
        "An issuer uses http01: %s must be a Kubernetes name, got %r" % (name, inputs.get(name))
        for name, check in checks
        if not check(inputs.get(name))
    ]


def _contract_problems(inputs):
    wanted = inputs.get("gpuops_cluster_issuers")
    if wanted is None:
        return []
    defined = {issuer.get("name") for issuer in _issuers(inputs)}
    missing = [name for name in wanted if name not in defined]
    if not missing:
        return []
    return ["gpuops_cluster_issuers names %s, which cert_manager_issuers does not define" % (missing,)]


def problems(inputs):
    """One line per rule the cert_manager role's inputs break; empty when they break none.

    `inputs` maps each variable name (cert_manager_namespace, ...) to its value, as
    roles/cert_manager/tasks/validate.yml passes them; gpuops_cluster_issuers is None when the inventory leaves it
    unset.
    """
    inputs = inputs or {}
    return (
        _chart_problems(inputs)
        + _issuer_problems(inputs)
        + _dns01_problems(inputs)
        + _http01_problems(inputs)
        + _contract_problems(inputs)
    )
