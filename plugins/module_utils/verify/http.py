# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP for the checks, on the standard library only: one connection per request, no redirects followed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import socket
import ssl
from typing import Any, Dict, Iterator, Optional
from urllib.parse import urlsplit

from ansible_collections.gpuops.llm_inference.plugins.module_utils.verify.errors import TransportError


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "certificate not accepted: %s" % (exc.verify_message or exc.reason or exc)
    if isinstance(exc, socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


class Response:
    """An answer being read: status, lower-cased headers, and the body whole or line by line."""

    def __init__(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse, url: str) -> None:
        self._connection = connection
        self._response = response
        self.url = url
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}

    def read(self) -> bytes:
        try:
            return self._response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(self.url, _reason(exc)) from exc

    def lines(self) -> Iterator[bytes]:
        try:
            yield from iter(self._response.readline, b"")
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(self.url, _reason(exc)) from exc

    def close(self) -> None:
        self._connection.close()


class StdlibOpener:
    """Sends requests with http.client; HTTPS verifies the chain and the host name against ca_path or the system CAs."""

    def __init__(self, ca_path: Optional[str] = None, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()

    def _connection(self, url: str, timeout: Optional[float]) -> http.client.HTTPConnection:
        split = urlsplit(url)
        wait = self.timeout if timeout is None else timeout
        if split.scheme == "https":
            return http.client.HTTPSConnection(split.hostname or "", split.port, context=self._context, timeout=wait)
        return http.client.HTTPConnection(split.hostname or "", split.port, timeout=wait)

    def open(
        self,
        method: str,
        url: str,
        headers: Optional[Dict[str, str]] = None,
        body: Optional[bytes] = None,
        timeout: Optional[float] = None,
    ) -> Response:
        split = urlsplit(url)
        target = (split.path or "/") + ("?" + split.query if split.query else "")
        connection = self._connection(url, timeout)
        try:
            connection.request(method, target, body=body, headers=dict(headers or {}))
            return Response(connection, connection.getresponse(), url)
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise TransportError(url, _reason(exc)) from exc

    def peer_certificate(self, url: str) -> Dict[str, Any]:
        """The verified certificate of an HTTPS URL, as ssl.SSLSocket.getpeercert() decodes it."""
        split = urlsplit(url)
        host, port = split.hostname or "", split.port or 443
        try:
            raw = socket.create_connection((host, port), timeout=self.timeout)
            try:
                with self._context.wrap_socket(raw, server_hostname=host) as tls:
                    return tls.getpeercert() or {}
            finally:
                raw.close()
        except (OSError, ValueError) as exc:
            raise TransportError(url, _reason(exc)) from exc
