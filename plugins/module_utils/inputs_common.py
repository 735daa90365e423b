# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the roles' problem functions read a role input: as Ansible would (booleans, numbers given as strings).

Inventory and `-e` values reach a role as strings as often as numbers; argument_specs accepts "5" for an int
without converting it, so each rule reads the value here instead of trusting its Python type.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.gpuops.llm_inference.plugins.module_utils.validation import is_dns_label


def as_bool(value):
    """The value as Jinja's `bool` filter reads it: yes/on/true/1 are true, anything else false."""
    return boolean(value, strict=False)


def as_number(value):
    """The value as a finite float, or None when it is not a number (a bool is not a number)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_whole(value):
    """The value as an int when it is a whole number (3, 3.0, "3"), else None."""
    number = as_number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def dns_label_problems(names, max_length=63):
    """One line per (variable label, value) pair of `names` whose value is not a DNS-1123 label."""
    return [
        "%s must be a DNS-1123 label%s, got '%s'"
        % (label, "" if max_length == 63 else " of at most %d characters" % max_length, value)
        for label, value in names
        if not is_dns_label(value, max_length)
    ]
