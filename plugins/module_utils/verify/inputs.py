# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the outside checks need, checked before any request is sent; messages name the playbook variables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import ssl
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.errors import VerifyInputError


class Target:
    """The endpoint, its keys and its models, with the defaults derived from the base URL."""

    def __init__(
        self,
        url: str,
        api_keys: List[Dict[str, Any]],
        models: List[str],
        http_url: str = "",
        revoked_keys: Optional[List[str]] = None,
        ca_path: str = "",
    ) -> None:
        self.url = (url or "").rstrip("/")
        self.http_url = (http_url or "").rstrip("/")
        self.api_keys = [(str(k.get("name") or ""), str(k.get("key") or "")) for k in api_keys or []]
        self.models = [str(m) for m in models or []]
        self.revoked_keys = [str(k) for k in revoked_keys or []]
        self.ca_path = ca_path or ""

    @property
    def hostname(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def secrets(self) -> List[str]:
        return [pair[1] for pair in self.api_keys] + self.revoked_keys


def _url_errors(target: Target) -> List[str]:
    if not target.url:
        return ["no endpoint to check: set routes_hostname (the deployed host name) or verify_url"]
    split = urlsplit(target.url)
    errors = []
    if split.scheme != "https" or not split.hostname:
        errors.append("verify_url must be an https:// URL with a host name, got %r" % target.url)
    elif split.path not in ("", "/"):
        errors.append("verify_url is the endpoint's base URL, without a path (got path %r)" % split.path)
    if target.http_url:
        http = urlsplit(target.http_url)
        if http.scheme != "http" or not http.hostname:
            errors.append("verify_http_url must be an http:// URL with a host name, got %r" % target.http_url)
    return errors


def _key_errors(target: Target) -> List[str]:
    if not target.api_keys:
        return ["routes_api_keys is empty: at least one named key ({name, key}) is needed to check auth and serving"]
    errors = []
    names = [pair[0] for pair in target.api_keys]
    for index, (name, key) in enumerate(target.api_keys):
        if not name:
            errors.append("routes_api_keys entry %d has no name" % index)
        if not key:
            errors.append(
                "routes_api_keys entry %r has no key (keys from_secret cannot be checked from outside)" % name
            )
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        errors.append("routes_api_keys names must be unique, repeated: %s" % ", ".join(duplicates))
    live = {pair[1] for pair in target.api_keys}
    for index, key in enumerate(target.revoked_keys):
        if not key:
            errors.append("verify_revoked_keys entry %d is empty" % index)
        elif key in live:
            errors.append("verify_revoked_keys entry %d is also a key in routes_api_keys" % index)
    return errors


def _ca_errors(target: Target) -> List[str]:
    if not target.ca_path:
        return []
    if not os.path.isfile(target.ca_path) or not os.access(target.ca_path, os.R_OK):
        return ["verify_ca_path %s is not a readable file" % target.ca_path]
    try:
        ssl.create_default_context(cafile=target.ca_path)
    except (ssl.SSLError, OSError, ValueError) as exc:
        return ["verify_ca_path %s is not a PEM CA bundle: %s" % (target.ca_path, exc)]
    return []


def input_errors(target: Target) -> List[str]:
    """Every problem with the inputs at once, so one run names them all."""
    errors = _url_errors(target) + _key_errors(target) + _ca_errors(target)
    if not target.models:
        errors.append("no served model names to check: vllm_models is empty")
    return errors


def prepare(target: Target) -> Target:
    """Raise on bad inputs; fill in the plain-HTTP URL from the base URL's host name."""
    errors = input_errors(target)
    if errors:
        raise VerifyInputError("Failed to verify the endpoint: %s" % "; ".join(errors))
    if not target.http_url:
        target.http_url = "http://%s" % target.hostname
    return target
