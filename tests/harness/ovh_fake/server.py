"""HTTP front of the OVH API fake: routing, python-ovh signature checks, fault injection."""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .state import ApiFailure, MksState

API_PREFIX = "/1.0"
# OVH allows a small clock skew; python-ovh corrects for it with /auth/time.
MAX_SKEW_SECONDS = 180
_POOLS = re.compile(r"^/cloud/project/(?P<sn>[^/]+)/kube/(?P<kube>[^/]+)/nodepool$")
_POOL = re.compile(r"^/cloud/project/(?P<sn>[^/]+)/kube/(?P<kube>[^/]+)/nodepool/(?P<pool>[^/]+)$")
_FLAVORS = re.compile(r"^/cloud/project/(?P<sn>[^/]+)/kube/(?P<kube>[^/]+)/flavors$")
_CLUSTER = re.compile(r"^/cloud/project/(?P<sn>[^/]+)/kube/(?P<kube>[^/]+)$")


@dataclass
class Credentials:
    application_key: str
    application_secret: str
    consumer_keys: set[str]


@dataclass
class FakeConfig:
    credentials: list[Credentials] = field(default_factory=list)
    time_offset: int = 0
    # Share of API calls (0..1) answered 500/429 at random, and a queue of forced answers.
    flaky_rate: float = 0.0
    flaky_seed: int = 0
    # Forced answers as (HTTP method or None for any, status), used once each, in order.
    faults: deque[tuple[str | None, int]] = field(default_factory=deque)
    # The same, given after the request was processed (a gateway timing out on a call that succeeded).
    faults_after: deque[tuple[str | None, int]] = field(default_factory=deque)


@dataclass
class RecordedRequest:
    method: str
    path: str
    status: int
    body: Any = None


class _Handler(BaseHTTPRequestHandler):
    server: OvhFakeServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        path = self.path.split("?", 1)[0]
        body: Any = None
        try:
            if not path.startswith(API_PREFIX):
                raise ApiFailure(404, f"Unknown path {path}")
            api_path = path[len(API_PREFIX) :]
            body = json.loads(raw) if raw else None
            status, answer = self.server.dispatch(method, api_path, body, raw, self)
        except ApiFailure as exc:
            status, answer = exc.status, exc.body()
        except json.JSONDecodeError:
            status, answer = 400, {"class": "Client::BadRequest", "message": "Invalid JSON body"}
        self.server.record(RecordedRequest(method, path[len(API_PREFIX) :], status, body))
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-OVH-QUERYID", f"FAKE-{len(self.server.requests):06d}")
        self.end_headers()
        self.wfile.write(payload)


class OvhFakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: MksState, config: FakeConfig) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.config = config
        self.requests: list[RecordedRequest] = []
        self._random = random.Random(config.flaky_seed)
        self._lock = threading.Lock()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def now(self) -> int:
        return int(time.time()) + self.config.time_offset

    def dispatch(self, method: str, path: str, body: Any, raw: str, req: _Handler) -> tuple[int, Any]:
        if path == "/auth/time" and method == "GET":
            return 200, self.now()
        self._check_signature(method, raw, req)
        self._maybe_fail(method)
        answer = self._route(method, path, body)
        late = self._take(self.config.faults_after, method)
        if late is not None:
            raise ApiFailure(late, "Gateway error (injected after the request was processed)")
        return answer

    def _take(self, queue: deque[tuple[str | None, int]], method: str) -> int | None:
        with self._lock:
            for index, (wanted, status) in enumerate(queue):
                if wanted in (None, method):
                    del queue[index]
                    return status
        return None

    def _maybe_fail(self, method: str) -> None:
        forced = self._take(self.config.faults, method)
        with self._lock:
            if forced is None and self.config.flaky_rate and self._random.random() < self.config.flaky_rate:
                forced = self._random.choice((500, 502, 503, 429))
        if forced == 429:
            raise ApiFailure(429, "Too many requests, slow down")
        if forced is not None:
            raise ApiFailure(forced, "Internal server error (injected)")

    def _check_signature(self, method: str, raw: str, req: _Handler) -> None:
        app_key = req.headers.get("X-Ovh-Application")
        creds = next((c for c in self.config.credentials if c.application_key == app_key), None)
        if creds is None:
            raise ApiFailure(403, "Invalid application key", "INVALID_KEY")
        consumer = req.headers.get("X-Ovh-Consumer")
        if consumer not in creds.consumer_keys:
            raise ApiFailure(403, "This credential does not exist", "INVALID_CREDENTIAL")
        stamp = req.headers.get("X-Ovh-Timestamp") or ""
        if not stamp.isdigit() or abs(int(stamp) - self.now()) > MAX_SKEW_SECONDS:
            raise ApiFailure(400, "Query out of time")
        url = "http://{}{}".format(req.headers.get("Host"), req.path)
        payload = "+".join([creds.application_secret, consumer, method.upper(), url, raw, stamp])
        expected = "$1$" + hashlib.sha1(payload.encode("utf-8")).hexdigest()  # noqa: S324 - OVH's scheme
        if req.headers.get("X-Ovh-Signature") != expected:
            raise ApiFailure(400, "Invalid signature", "INVALID_SIGNATURE")

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        state = self.state
        if m := _POOLS.match(path):
            if method == "GET":
                return 200, state.list_pools(m["sn"], m["kube"])
            if method == "POST":
                return 200, state.create_pool(m["sn"], m["kube"], body or {})
        elif m := _POOL.match(path):
            if method == "GET":
                return 200, state.get_pool(m["sn"], m["kube"], m["pool"])
            if method == "PUT":
                state.update_pool(m["sn"], m["kube"], m["pool"], body or {})
                return 200, None
            if method == "DELETE":
                state.delete_pool(m["sn"], m["kube"], m["pool"])
                return 200, None
        elif m := _FLAVORS.match(path):
            if method == "GET":
                state.cluster(m["sn"], m["kube"])
                return 200, state.flavors
        elif (m := _CLUSTER.match(path)) and method == "GET":
            state.cluster(m["sn"], m["kube"])
            return 200, {"id": m["kube"], "status": "READY", "region": "GRA9", "version": "1.31"}
        raise ApiFailure(404, f"Got an invalid (or empty) URL: {method} {path}")
