# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verify domain errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class VerifyInputError(Exception):
    """Inputs that make every check meaningless; raised before any request is sent."""


class TransportError(Exception):
    """No HTTP answer from a URL (refused, timed out, TLS handshake refused); the check that sent it fails."""

    def __init__(self, url: str, reason: str) -> None:
        super(TransportError, self).__init__("no answer from %s: %s" % (url, reason))
        self.url = url
        self.reason = reason
