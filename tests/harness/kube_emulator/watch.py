"""Watch: a bounded journal of store changes and the chunked event stream served for `?watch=true`.

The store records every committed change (ADDED, MODIFIED, DELETED) with its resourceVersion; a watch replays the
journal after the client's `resourceVersion` and then follows it. A resourceVersion older than the journal's
oldest entry gets an ERROR event with a 410 `Expired` Status, as from a real API server's watch cache, and the
client re-lists. Without a resourceVersion (or with "0") the stream starts with synthetic ADDED events for the
current objects; with `sendInitialEvents=true` those are followed by the BOOKMARK carrying the
`k8s.io/initial-events-end` annotation (client-go's WatchList protocol).

The response is `Content-Type: application/json` (a real server adds `;stream=watch` only for non-JSON media
types: k8s.io/apiserver pkg/endpoints/handlers/watch.go), chunked, one JSON event per line.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors
from .jsonutil import clone
from .resources import ResourceType
from .selectors import field_selector, label_selector

Obj = dict[str, Any]
JOURNAL_SIZE = 4096
DEFAULT_TIMEOUT = 1800.0  # the real server picks 30-60 min (--min-request-timeout); clients re-watch anyway
BOOKMARK_INTERVAL = 1.0  # a real server sends one about every minute; tests need them sooner


@dataclass(frozen=True)
class Event:
    seq: int
    rv: int
    key: tuple[str, str]
    type: str
    obj: Obj


class Journal:
    """Recent changes of all resources; `record` is called with the store lock held."""

    def __init__(self, lock: threading.RLock, size: int = JOURNAL_SIZE) -> None:
        self.events: deque[Event] = deque(maxlen=size)
        self.changed = threading.Condition(lock)
        self.seq = 0
        self.floor = 0  # the resourceVersion the retained history starts after

    def record(self, key: tuple[str, str], kind: str, obj: Obj, rv: int) -> None:
        if self.events.maxlen is not None and len(self.events) == self.events.maxlen:
            self.floor = self.events[0].rv
        self.seq += 1
        self.events.append(Event(self.seq, rv, key, kind, clone(obj)))
        self.changed.notify_all()

    def after_seq(self, seq: int) -> list[Event]:
        return [e for e in self.events if e.seq > seq]


@dataclass
class WatchRequest:
    rt: ResourceType
    namespace: str
    name: str
    query: dict[str, str]


def _matcher(req: WatchRequest) -> Callable[[Obj], bool]:
    labels, fields = label_selector(req.query.get("labelSelector")), field_selector(req.query.get("fieldSelector"))

    def matches(obj: Obj) -> bool:
        meta = obj.get("metadata") or {}
        if req.namespace and meta.get("namespace") != req.namespace:
            return False
        if req.name and meta.get("name") != req.name:
            return False
        return labels(obj) and fields(obj)

    return matches


def _start_rv(query: dict[str, str]) -> int | None:
    text = query.get("resourceVersion", "")
    if text in ("", "0"):
        return None
    if not text.isdigit():
        raise errors.bad_request(f'invalid resource version: "{text}"')
    return int(text)


def _timeout(query: dict[str, str]) -> float:
    text = query.get("timeoutSeconds", "")
    if not text:
        return DEFAULT_TIMEOUT
    if not text.isdigit():
        raise errors.bad_request(f'invalid timeoutSeconds: "{text}"')
    return float(text)


def check(query: dict[str, str]) -> None:
    """Bad parameters are refused with 400 before the stream starts."""
    _start_rv(query)
    _timeout(query)


def _event(kind: str, obj: Obj) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


def _bookmark(req: WatchRequest, rv: int, initial_end: bool = False) -> bytes:
    meta: Obj = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return _event("BOOKMARK", {"kind": req.rt.kind, "apiVersion": req.rt.api_version, "metadata": meta})


def serve(store: Any, req: WatchRequest, write: Callable[[bytes], None]) -> None:
    """Stream events until the timeout or until the client goes away (`write` raises OSError)."""
    journal: Journal = store.journal
    matches = _matcher(req)
    deadline = time.monotonic() + _timeout(req.query)
    bookmarks = req.query.get("allowWatchBookmarks") in ("true", "1")
    start = _start_rv(req.query)
    with store.lock:
        seq, current = journal.seq, store.rv
        if start is None:
            listing = store.list(req.rt, req.namespace, req.query.get("labelSelector"), req.query.get("fieldSelector"))
            backlog = [("ADDED", store.present_item(req.rt, item)) for item in listing["items"]]
        elif start < journal.floor:
            status = errors.ApiError(410, f"too old resource version: {start} ({journal.floor})", "Expired").status()
            write(_event("ERROR", status))
            return
        else:
            backlog = [(e.type, e.obj) for e in journal.events if e.rv > start and e.key == req.rt.key]
    for kind, obj in backlog:
        if matches(obj):
            write(_event(kind, store.present_item(req.rt, obj)))
    if req.query.get("sendInitialEvents") == "true":
        write(_bookmark(req, current, initial_end=True))
    last_write = time.monotonic()
    while (remaining := deadline - time.monotonic()) > 0:
        with store.lock:
            pending = journal.after_seq(seq)
            if not pending:
                journal.changed.wait(min(remaining, BOOKMARK_INTERVAL))
                pending = journal.after_seq(seq)
            current = store.rv
        for event in pending:
            seq = event.seq
            if event.key == req.rt.key and matches(event.obj):
                write(_event(event.type, store.present_item(req.rt, event.obj)))
                last_write = time.monotonic()
        if bookmarks and time.monotonic() - last_write >= BOOKMARK_INTERVAL:
            write(_bookmark(req, current))
            last_write = time.monotonic()
