# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: go_duration_seconds.yml next to this file.

from ansible.errors import AnsibleFilterError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import go_duration_seconds as _seconds


def go_duration_seconds(value):
    """Filter wrapper around module_utils.validation.go_duration_seconds, rounded up to whole seconds."""
    try:
        seconds = _seconds(value)
    except ValueError as exc:
        raise AnsibleFilterError("go_duration_seconds: %s" % exc) from exc
    whole = int(seconds)
    return whole if whole == seconds else whole + 1


class FilterModule(object):
    """Durations."""

    def filters(self):
        return {"go_duration_seconds": go_duration_seconds}
