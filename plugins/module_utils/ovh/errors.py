# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception of the OVH area; only a module's main() turns it into fail_json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class OvhApiError(Exception):
    """A failed OVH operation, with what had already happened.

    ``partial`` carries the result built so far (for example the node pool that was
    created before the wait failed), so the module can return it with the failure and
    never leave a half-created pool unreported.
    """

    def __init__(self, message, status=None, error_code=None, partial=None, changed=False):
        super(OvhApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.partial = partial or {}
        self.changed = changed

    def __str__(self):
        return self.message
