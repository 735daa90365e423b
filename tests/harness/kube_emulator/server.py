"""HTTPS front end: bearer-token auth, fault injection, the request log and the /_harness endpoints."""

from __future__ import annotations

import contextlib
import json
import logging
import random
import secrets
import socket
import ssl
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import endpoints, errors, watch
from .api import Api, Request, Response
from .store import Store

MAX_BODY = 16 * 1024 * 1024
FAULT_KINDS = ("429", "500", "503", "delay")
log = logging.getLogger(__name__)


@dataclass
class Faults:
    rate: float = 0.0
    kinds: list[str] = field(default_factory=lambda: ["429", "503"])
    delay: float = 2.0
    rng: random.Random = field(default_factory=random.Random)

    def pick(self, lock: threading.Lock) -> str | None:
        with lock:
            if self.rate <= 0 or not self.kinds or self.rng.random() >= self.rate:
                return None
            return self.rng.choice(self.kinds)


class Emulator:
    """Shared state of one emulator process."""

    def __init__(self, store: Store, address: str, faults: Faults) -> None:
        self.store = store
        self.api = Api(store, address)
        self.token = secrets.token_urlsafe(32)
        self.faults = faults
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorServer
    server_version = "gpuops-emulator"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        emulator = self.server.emulator
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            body = self._read_body()
        except errors.ApiError as err:
            self._send(Response(err.code, err.status(), headers=err.headers))
            self.close_connection = True
            return
        harness = split.path.startswith("/_harness")
        if not secrets.compare_digest(self.headers.get("Authorization", ""), f"Bearer {emulator.token}"):
            response = Response(401, errors.ApiError(401, "Unauthorized").status())
        elif harness:
            response = self._harness(split.path, body)
        else:
            response = self._fault() or self._api(split.path, query, body, content_type)
        if response is None:  # a watch: recorded when its stream started
            return
        # Recorded before the reply goes out: a client that reads the log as soon as it has its answer sees it.
        if not harness:
            self._record(response.status, content_type)
        self._send(response)

    def _record(self, status: int, content_type: str) -> None:
        split = urlsplit(self.path)
        self.server.emulator.record(
            {
                "method": self.command,
                "path": split.path,
                "query": dict(parse_qsl(split.query, keep_blank_values=True)),
                "status": status,
                "content_type": content_type,
                "accept": self.headers.get("Accept") or "",
            }
        )

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        if not length:
            return b""
        if not length.isdigit() or int(length) > MAX_BODY:
            raise errors.ApiError(413, "request entity too large or invalid Content-Length", "RequestEntityTooLarge")
        return self.rfile.read(int(length))

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            size_line = self.rfile.readline(64).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError as err:
                raise errors.bad_request("malformed chunked request body") from err
            if size == 0:
                self.rfile.readline(64)
                return body
            if len(body) + size > MAX_BODY:
                raise errors.ApiError(413, "request entity too large", "RequestEntityTooLarge")
            body += self.rfile.read(size)
            self.rfile.readline(64)

    def _fault(self) -> Response | None:
        """Faults are decided before any processing, so an injected error never half-applies a write."""
        emulator = self.server.emulator
        kind = emulator.faults.pick(emulator.lock)
        if kind == "delay":
            time.sleep(emulator.faults.delay)
        elif kind == "429":
            err = errors.ApiError(
                429,
                "the server has received too many requests and has asked us to try again later",
                details={"retryAfterSeconds": 1},
                headers={"Retry-After": "1"},
            )
            return Response(429, err.status(), headers=err.headers)
        elif kind in ("500", "503"):
            code = int(kind)
            message = "an error on the server (injected fault) has prevented the request from succeeding"
            return Response(code, errors.ApiError(code, message).status())
        return None

    def _api(self, path: str, query: dict[str, str], body: bytes, content_type: str) -> Response | None:
        request = Request(self.command, path, query, body, content_type)
        accept = self.headers.get("Accept") or ""
        try:
            if self.command == "GET":
                special = endpoints.health(path, query) or endpoints.openapi_document(
                    self.server.emulator.store, path, accept
                )
                if special is not None:
                    return special
            endpoints.check_accept(accept)
            if self.command == "GET" and query.get("watch") in ("true", "1"):
                self._watch(self.server.emulator.api.watch_request(request))
                return None
            request.body, request.content_type = endpoints.decode_body(body, content_type)
            return self.server.emulator.api.handle(request)
        except errors.ApiError as err:
            return Response(err.code, err.status(), headers=err.headers)
        except Exception as exc:  # the emulator must survive any request; the client sees a 500 Status
            log.error("internal error on %s %s: %s", request.method, request.path, traceback.format_exc())
            return Response(500, errors.ApiError(500, f"internal error: {exc!r}"[:300]).status())

    def _watch(self, request: watch.WatchRequest) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        # Recorded now rather than when the stream ends, which may be minutes after the client stopped reading.
        self._record(200, "")

        def write(data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        try:
            watch.serve(self.server.emulator.store, request, write)
            self.wfile.write(b"0\r\n\r\n")
        except (OSError, ssl.SSLError):  # the client went away; nothing to answer
            self.close_connection = True

    def _harness(self, path: str, body: bytes) -> Response:
        emulator = self.server.emulator
        if path == "/_harness/requests" and self.command == "GET":
            with emulator.lock:
                return Response(200, list(emulator.requests))
        if path == "/_harness/requests" and self.command == "DELETE":
            with emulator.lock:
                emulator.requests.clear()
            return Response(200, {"cleared": True})
        if path == "/_harness/faults" and self.command in ("GET", "PUT"):
            if self.command == "PUT":
                try:
                    self._set_faults(json.loads(body or b"{}"))
                except (ValueError, TypeError) as err:
                    return Response(400, errors.bad_request(f"invalid faults: {err}").status())
            faults = emulator.faults
            return Response(200, {"rate": faults.rate, "kinds": faults.kinds, "delay": faults.delay})
        return Response(404, errors.ApiError(404, "unknown harness endpoint").status())

    def _set_faults(self, spec: dict[str, Any]) -> None:
        kinds = [str(k) for k in spec.get("kinds", self.server.emulator.faults.kinds)]
        rate = float(spec.get("rate", 0.0))
        if any(k not in FAULT_KINDS for k in kinds) or not 0 <= rate <= 1:
            raise ValueError(f"rate must be in [0, 1] and kinds among {FAULT_KINDS}")
        with self.server.emulator.lock:
            faults = self.server.emulator.faults
            faults.rate, faults.kinds = rate, kinds
            faults.delay = float(spec.get("delay", faults.delay))

    def _send(self, response: Response) -> None:
        if isinstance(response.body, bytes):
            payload = response.body
        elif isinstance(response.body, str):
            payload = response.body.encode()
        else:
            payload = json.dumps(response.body, separators=(",", ":"), default=str).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class EmulatorServer(ThreadingHTTPServer):
    """TLS is negotiated on the connection's own thread, so a stalled client cannot block `accept`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port: int, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.context = context
        self.emulator: Emulator

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(60)
        # Headers and body go out in separate writes; without NODELAY, Nagle plus delayed ACK costs 40 ms a reply.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                tls.shutdown(socket.SHUT_RDWR)
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection error from %s: %s", client_address, traceback.format_exc())
