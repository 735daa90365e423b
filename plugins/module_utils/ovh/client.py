# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A thin wrapper over a python-ovh client: retries with backoff and one error type.

The python-ovh client is passed in, so tests hand it a real client pointed at the fake
API (or any object with ``call(method, path, data)``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.gpuops.llm_inference.plugins.module_utils.ovh.errors import OvhApiError

# Why each status is worth its own sentence: the raw OVH messages are terse and the
# operator's next step differs for each.
_HINTS = {
    400: "OVH rejected the request as invalid",
    403: "OVH refused the call; check application_key, application_secret and consumer_key "
    "and that the consumer key grants this path",
    404: "not found; check service_name and kube_id",
    409: "conflict: the resource is busy (an operation is in progress) or already exists",
}
_CREDENTIAL_CODES = ("INVALID_KEY", "INVALID_CREDENTIAL", "NOT_CREDENTIAL", "NOT_GRANTED_CALL", "FORBIDDEN")
# Methods that can be repeated after a network failure without risking a duplicate.
_IDEMPOTENT = ("GET", "PUT", "DELETE")


def _sleep(seconds):
    time.sleep(seconds)


def _status_of(exc):
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _error_code_of(exc):
    response = getattr(exc, "response", None)
    if response is None:
        return None
    try:
        return (response.json() or {}).get("errorCode")
    except ValueError:
        return None


def _raw_message(exc):
    # python-ovh formats "message \nOVH-Query-ID: ..." in str(); args[0] is the server message.
    return str(exc.args[0]) if getattr(exc, "args", None) else str(exc)


class OvhClient:
    """Calls the OVH API with retries on 429/5xx and maps failures to OvhApiError."""

    def __init__(self, api, retries=5, backoff=1.0, max_backoff=30.0, sleep=None, network_errors=()):
        self._api = api
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        # Looked up at call time when not given, so a test can replace time.sleep.
        self._sleep = sleep or _sleep
        self._network_errors = tuple(network_errors)
        self.calls = []

    def call(self, method, path, data=None, what="call the OVH API"):
        """Return the decoded JSON answer; raise OvhApiError after the last retry."""
        attempt = 0
        while True:
            self.calls.append((method, path))
            try:
                return self._api.call(method, path, data)
            except Exception as exc:
                status = _status_of(exc)
                if self._should_retry(method, status, exc) and attempt < self.retries:
                    self._sleep(min(self.max_backoff, self.backoff * (2**attempt)))
                    attempt += 1
                    continue
                raise self._to_error(exc, status, what, attempt) from exc

    def get(self, path, what="read"):
        return self.call("GET", path, None, what)

    def post(self, path, data, what="create"):
        return self.call("POST", path, data, what)

    def put(self, path, data, what="update"):
        return self.call("PUT", path, data, what)

    def delete(self, path, what="delete"):
        return self.call("DELETE", path, None, what)

    def _should_retry(self, method, status, exc):
        if status == 429 or (status is not None and status >= 500):
            # A POST answered 5xx by a gateway was not processed by the API; the node
            # pool manager still looks the pool up by name after a failed create.
            return True
        return status is None and method in _IDEMPOTENT and isinstance(exc, self._network_errors)

    def _to_error(self, exc, status, what, attempt):
        raw = _raw_message(exc)
        code = _error_code_of(exc)
        if status == 403 and code in _CREDENTIAL_CODES:
            reason = (
                "OVH refused the credentials (%s): %s; check application_key, application_secret and consumer_key"
                % (
                    code,
                    raw,
                )
            )
        elif status in _HINTS:
            reason = "%s (HTTP %s): %s" % (_HINTS[status], status, raw)
        elif status == 429 or (status is not None and status >= 500):
            reason = "OVH API still failing after %d retries (HTTP %s): %s" % (attempt, status, raw)
        elif status is None:
            reason = "could not reach the OVH API (%s): %s" % (type(exc).__name__, raw)
        else:
            reason = "HTTP %s: %s" % (status, raw)
        return OvhApiError("Failed to %s: %s" % (what, reason), status=status, error_code=code)
