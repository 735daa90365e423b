# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outside checks of a deployed endpoint: TLS, redirect, auth, closed paths, cold start, serving.

The checker takes its opener (StdlibOpener or a fake) and its clocks as arguments. A check never raises: an
endpoint that does not answer is a failed check naming the URL.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import secrets
import ssl
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify import report
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.errors import TransportError
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.inputs import Target
from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.serving import (
    completion_shape_errors,
    read_stream,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.vllm_paths import (
    VLLM_UNAUTHENTICATED_PATHS as VLLM_PRIVATE_PATHS,
)

REDIRECTS = (301, 302, 303, 307, 308)
REFUSED = (401, 403)
# 405 means something behind the gateway knows the path (only the method differs): the path is reachable.
REACHABLE = (405,)
PROMPT = "Reply with the numbers from one to ten, separated by spaces."


def _is_2xx(status: int) -> bool:
    return 200 <= status < 300


class EndpointChecker:
    def __init__(
        self,
        opener: Any,
        target: Target,
        clock: Callable[[], float],
        now: Callable[[], float],
        max_tokens: int = 16,
        min_cert_days: int = 7,
        cold_models: Optional[List[str]] = None,
        cold_start_timeout: float = 900.0,
    ) -> None:
        self.opener = opener
        self.target = target
        self.clock = clock
        self.now = now
        self.max_tokens = max_tokens
        self.min_cert_days = min_cert_days
        self.cold_models = list(cold_models or [])
        self.cold_start_timeout = cold_start_timeout

    # -- plumbing --------------------------------------------------------------------------------------------
    def _headers(self, key: Optional[str], json_body: bool = False) -> Dict[str, str]:
        headers = {"Accept": "application/json"}
        if key is not None:
            headers["Authorization"] = "Bearer %s" % key
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _call(
        self, method: str, path: str, key: Optional[str] = None, body: Any = None, timeout: Optional[float] = None
    ) -> Tuple[int, bytes]:
        """(status, body) of one request to the endpoint."""
        url = self.target.url + path
        data = None if body is None else json.dumps(body).encode()
        response = self.opener.open(method, url, self._headers(key, data is not None), data, timeout)
        try:
            return response.status, response.read()
        finally:
            response.close()

    def _safe(self, text: str) -> str:
        return report.redact(text, self.target.secrets)

    # -- checks ----------------------------------------------------------------------------------------------
    def tls(self) -> Dict[str, str]:
        try:
            cert = self.opener.peer_certificate(self.target.url)
        except TransportError as exc:
            return report.failed(
                "tls", "%s is not valid for %s: %s" % (self.target.url, self.target.hostname, exc.reason)
            )
        issuer = dict(pair for rdn in cert.get("issuer", ()) for pair in rdn)
        issuer_name = issuer.get("organizationName") or issuer.get("commonName") or "unknown issuer"
        days = int((ssl.cert_time_to_seconds(cert["notAfter"]) - self.now()) // 86400)
        figure = "issuer %s, expires in %d days" % (issuer_name, days)
        if days < self.min_cert_days:
            return report.failed(
                "tls",
                "certificate expires in %d days (fewer than %d): renewal is failing" % (days, self.min_cert_days),
                figure,
            )
        return report.passed("tls", figure)

    def redirect(self) -> Dict[str, str]:
        url = self.target.http_url + "/v1/models"
        try:
            response = self.opener.open("GET", url, {"Accept": "application/json"}, None, None)
            status, location = response.status, response.headers.get("location", "")
            response.close()
        except TransportError as exc:
            return report.failed("http redirect", str(exc))
        split = urlsplit(location)
        if status in REDIRECTS and split.scheme == "https" and split.hostname == self.target.hostname:
            return report.passed("http redirect", "%d to %s" % (status, location))
        return report.failed(
            "http redirect",
            "GET %s answered %d%s, not a redirect to https://%s"
            % (url, status, " to " + location if location else "", self.target.hostname),
        )

    def auth_refused(self, name: str, key: Optional[str], allowed: Tuple[int, ...]) -> Dict[str, str]:
        try:
            status = self._call("GET", "/v1/models", key)[0]
        except TransportError as exc:
            return report.failed(name, str(exc))
        if status in allowed:
            return report.passed(name, "GET /v1/models refused with %d" % status)
        return report.failed(name, "GET /v1/models answered %d, expected %s" % (status, " or ".join(map(str, allowed))))

    def key_works(self, name: str, key: str) -> Dict[str, str]:
        check = "key %s" % name
        try:
            status, body = self._call("GET", "/v1/models", key)
        except TransportError as exc:
            return report.failed(check, str(exc))
        if status != 200:
            return report.failed(check, "GET /v1/models answered %d, expected 200" % status)
        try:
            listed = [m.get("id") for m in json.loads(body).get("data", [])]
        except (ValueError, AttributeError):
            return report.failed(
                check,
                "GET /v1/models answered 200 but not an OpenAI model list: %s"
                % self._safe(body[:200].decode("utf-8", "replace")),
            )
        missing = [m for m in self.target.models if m not in listed]
        if missing:
            return report.failed(
                check,
                "GET /v1/models does not list %s (listed: %s)"
                % (", ".join(missing), ", ".join(map(str, listed)) or "none"),
            )
        return report.passed(
            check, "200, lists %d/%d served models" % (len(self.target.models), len(self.target.models))
        )

    def closed(self, path: str, key: str) -> Dict[str, str]:
        check = "closed %s" % path
        seen = []
        for label, credential in (("without key", None), ("with key", key)):
            try:
                status = self._call("GET", path, credential)[0]
            except TransportError as exc:
                return report.failed(check, str(exc))
            seen.append("%d %s" % (status, label))
            if _is_2xx(status) or status in REACHABLE:
                return report.failed(check, "GET %s answered %d %s: the path is reachable" % (path, status, label))
        return report.passed(check, ", ".join(seen))

    def cold_start(self, model: str, key: str) -> Dict[str, str]:
        check = "cold start %s" % model
        body = {"model": model, "prompt": PROMPT, "max_tokens": 1}
        start = self.clock()
        try:
            status = self._call("POST", "/v1/completions", key, body, self.cold_start_timeout)[0]
        except TransportError as exc:
            return report.failed(
                check, "first request after scale-to-zero got no answer after %.1fs: %s" % (self.clock() - start, exc)
            )
        elapsed = self.clock() - start
        if status >= 500:
            return report.failed(
                check, "first request after scale-to-zero answered %d after %.1fs: it was dropped" % (status, elapsed)
            )
        if status != 200:
            return report.failed(check, "first request after scale-to-zero answered %d" % status)
        return report.passed(check, "first byte after %.2fs" % elapsed)

    def stream(self, model: str, key: str) -> Dict[str, str]:
        check = "stream %s" % model
        body = {
            "model": model,
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": self.max_tokens,
            "temperature": 0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        start = self.clock()
        try:
            response = self.opener.open(
                "POST",
                self.target.url + "/v1/chat/completions",
                self._headers(key, True),
                json.dumps(body).encode(),
                None,
            )
        except TransportError as exc:
            return report.failed(check, str(exc))
        try:
            if response.status != 200:
                return report.failed(
                    check,
                    "POST /v1/chat/completions (stream) answered %d: %s"
                    % (response.status, self._safe(response.read()[:200].decode("utf-8", "replace"))),
                )
            outcome = read_stream(response.lines(), self.clock)
        except TransportError as exc:
            return report.failed(check, str(exc))
        finally:
            response.close()
        if outcome.error:
            return report.failed(check, outcome.error)
        ttft, total = outcome.first_token - start, outcome.end - start
        decode = outcome.end - outcome.first_token
        rate = outcome.tokens / decode if decode > 0 else float(outcome.tokens)
        return report.passed(
            check, "TTFT %.2fs, %.1f tokens/s, %d tokens in %.2fs" % (ttft, rate, outcome.tokens, total)
        )

    def completion(self, model: str, key: str) -> Dict[str, str]:
        check = "completion %s" % model
        start = self.clock()
        try:
            status, body = self._call(
                "POST",
                "/v1/completions",
                key,
                {"model": model, "prompt": PROMPT, "max_tokens": self.max_tokens, "temperature": 0},
            )
        except TransportError as exc:
            return report.failed(check, str(exc))
        elapsed = self.clock() - start
        if status != 200:
            return report.failed(
                check,
                "POST /v1/completions answered %d: %s" % (status, self._safe(body[:200].decode("utf-8", "replace"))),
            )
        try:
            payload = json.loads(body)
        except ValueError:
            return report.failed(check, "POST /v1/completions answered 200 but not JSON")
        errors = completion_shape_errors(payload, model)
        if errors:
            return report.failed(check, "not an OpenAI completion: %s" % "; ".join(errors))
        return report.passed(check, "%d tokens in %.2fs" % (payload["usage"]["completion_tokens"], elapsed))

    # -- the whole run ---------------------------------------------------------------------------------------
    def run(self) -> List[Dict[str, str]]:
        """Every check in order; the cold-start requests go first so nothing else wakes a model before them."""
        results = [self.tls(), self.redirect()]
        if results[0]["result"] == report.FAIL:
            why = "TLS check failed: nothing sent over a connection that is not trusted"
            return results + [report.skipped(name, why) for name in self.check_names()[2:]]
        first_key = self.target.api_keys[0][1]
        for model in self.target.models:
            if model in self.cold_models:
                results.append(self.cold_start(model, first_key))
            else:
                results.append(report.skipped("cold start %s" % model, "model not at zero replicas"))
        wrong = "verify-wrong-%s" % secrets.token_hex(16)
        results.append(self.auth_refused("no key refused", None, (401,)))
        results.append(self.auth_refused("wrong key refused", wrong, REFUSED))
        results.extend(self.key_works(name, key) for name, key in self.target.api_keys)
        results.extend(
            self.auth_refused("revoked key %d refused" % (i + 1), key, REFUSED)
            for i, key in enumerate(self.target.revoked_keys)
        )
        results.extend(self.closed(path, first_key) for path in VLLM_PRIVATE_PATHS)
        for model in self.target.models:
            results.append(self.stream(model, first_key))
            results.append(self.completion(model, first_key))
        return [dict(r, detail=self._safe(r["detail"]), figure=self._safe(r["figure"])) for r in results]

    def check_names(self) -> List[str]:
        names = ["tls", "http redirect"]
        names += ["cold start %s" % m for m in self.target.models]
        names += ["no key refused", "wrong key refused"] + ["key %s" % pair[0] for pair in self.target.api_keys]
        names += ["revoked key %d refused" % (i + 1) for i in range(len(self.target.revoked_keys))]
        names += ["closed %s" % p for p in VLLM_PRIVATE_PATHS]
        for model in self.target.models:
            names += ["stream %s" % model, "completion %s" % model]
        return names
