# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names of the objects the vllm role makes for a model, in one place.

The vllm role mounts the cache PVC by this name and playbooks/seed_model.yml seeds into it, so the two can never
disagree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# The PVC name is a DNS subdomain (253), but the seeding Job's name `<pvc>-seed-<commit[:10]>` is cut at 63.
_MAX_MODEL_NAME = 63 - len("vllm-cache-")


class ModelNameError(ValueError):
    """A vllm_models name that cannot name Kubernetes objects."""


def _checked(model_name):
    if not isinstance(model_name, str) or not _DNS_LABEL.match(model_name) or len(model_name) > _MAX_MODEL_NAME:
        raise ModelNameError(
            "the model name %r must be a DNS label of at most %d characters (lowercase letters, digits and '-')"
            % (model_name, _MAX_MODEL_NAME)
        )
    return model_name


def cache_pvc_name(model_name):
    """The model cache PVC of the vllm_models entry named `model_name`."""
    return "vllm-cache-%s" % _checked(model_name)


def object_name(model_name):
    """The Deployment, Service and ScaledObject of the vllm_models entry named `model_name`: vllm-<name>.

    The vllm role creates them under this name; keda, routes and playbooks/scale.yml find them by it.
    """
    return "vllm-%s" % _checked(model_name)
