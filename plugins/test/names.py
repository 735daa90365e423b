# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: one sidecar per test next to this file. The rules: plugins/module_utils/validation.py.

from ansible_collections.gpuops.llm_inference.plugins.module_utils import validation


def dns_label(value, max_length=validation.DNS_LABEL_MAX, rfc1035=False):
    return validation.is_dns_label(value, max_length, rfc1035)


def dns_subdomain(value, max_length=validation.DNS_SUBDOMAIN_MAX, fqdn=False):
    return validation.is_dns_subdomain(value, max_length, fqdn)


def pinned_version(value):
    return validation.is_pinned_version(value)


def go_duration(value):
    return validation.is_go_duration(value)


def timezone(value):
    return validation.is_timezone(value)


class TestModule(object):
    """Syntax checks that the roles share."""

    def tests(self):
        return {
            "dns_label": dns_label,
            "dns_subdomain": dns_subdomain,
            "pinned_version": pinned_version,
            "go_duration": go_duration,
            "timezone": timezone,
        }
