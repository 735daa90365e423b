# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model cache domain error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Dict, Optional


class ModelCacheError(Exception):
    """A failure of the model_cache module; carries the partial result and the tail of the Job's log."""

    def __init__(self, message: str, result: Optional[Dict[str, Any]] = None, log_tail: Optional[str] = None) -> None:
        super(ModelCacheError, self).__init__(message)
        self.result = dict(result or {})
        self.log_tail = log_tail
