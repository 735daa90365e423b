# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The syntax rules that role inputs share: Kubernetes names, pinned versions, Go durations, time zones.

Each rule lives here once; the test plugins (plugins/test/) and the roles' problem filters call these functions
instead of copying a regular expression into every role's validate.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    import zoneinfo
except ImportError:  # Python < 3.9 on the controller
    zoneinfo = None

# RFC 1123 label as Kubernetes checks it (IsDNS1123Label): lowercase alphanumerics and '-', alphanumeric at both ends.
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# RFC 1035 label (IsDNS1035Label, Service and Helm release names): starts with a letter.
_LABEL_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
# A pinned chart or image version: exactly MAJOR.MINOR.PATCH, optional leading v, no ranges, no pre-release.
_PINNED = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+$")
# Go's time.ParseDuration units that the roles accept (ns and us are never useful for a timeout).
_GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")
_GO_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_GO_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
# Files in the tz database that are not zone names KEDA's time.LoadLocation is meant to get.
_NOT_ZONES = frozenset(["localtime", "posixrules", "Factory"])

DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253


def is_dns_label(value, max_length=DNS_LABEL_MAX, rfc1035=False):
    """True when `value` is a DNS label of at most `max_length` characters (RFC 1035: starting with a letter)."""
    if not isinstance(value, str) or len(value) > min(int(max_length), DNS_LABEL_MAX):
        return False
    return bool((_LABEL_1035 if rfc1035 else _LABEL).match(value))


def is_dns_subdomain(value, max_length=DNS_SUBDOMAIN_MAX, fqdn=False):
    """True when `value` is dot-separated DNS labels of at most `max_length` characters in all.

    With `fqdn`, a host name: at least two labels and a last label (the top-level domain) starting with a letter.
    """
    if not isinstance(value, str) or not value or len(value) > min(int(max_length), DNS_SUBDOMAIN_MAX):
        return False
    labels = value.split(".")
    if not all(is_dns_label(label) for label in labels):
        return False
    return not fqdn or (len(labels) >= 2 and labels[-1][0].isalpha())


def is_pinned_version(value):
    """True when `value` names exactly one version, MAJOR.MINOR.PATCH with an optional leading v."""
    return isinstance(value, str) and bool(_PINNED.match(value))


def is_go_duration(value):
    """True when `value` is a positive-unit Go duration such as 90s, 10m, 1h30m or 1.5s."""
    return isinstance(value, str) and bool(_GO_DURATION.match(value))


def go_duration_seconds(value):
    """The number of seconds in the Go duration `value` (10m -> 600.0); ValueError when it is not one."""
    if not is_go_duration(value):
        raise ValueError("%r is not a Go duration such as 90s, 10m or 1h30m" % (value,))
    return sum(float(number) * _GO_UNIT_SECONDS[unit] for number, unit in _GO_PART.findall(value))


def is_timezone(value):
    """True when `value` is an IANA time zone name known to the controller's tz database (Europe/Vienna, UTC)."""
    if zoneinfo is None or not isinstance(value, str) or value in _NOT_ZONES:
        return False
    return value in zoneinfo.available_timezones()
