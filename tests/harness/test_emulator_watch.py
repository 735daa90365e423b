"""Watch on the emulator, over plain HTTPS: what a client-go reflector or `kubectl wait` reads from the stream."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import KubeEmulator
from tests.harness.kube_emulator import samples

CONFIGMAPS = "/api/v1/namespaces/{ns}/configmaps"


@contextmanager
def _watch(emu: KubeEmulator, path: str, **params: str) -> Iterator[http.client.HTTPResponse]:
    split = urllib.parse.urlsplit(emu.url)
    conn = http.client.HTTPSConnection(split.hostname or "", split.port, context=emu.ssl_context, timeout=20)
    query = urllib.parse.urlencode({"watch": "true", **params})
    conn.request("GET", f"{path}?{query}", headers={"Authorization": f"Bearer {emu.token}"})
    try:
        yield conn.getresponse()
    finally:
        conn.close()


def _events(resp: http.client.HTTPResponse, count: int) -> list[dict[str, Any]]:
    return [json.loads(resp.readline()) for _ in range(count)]


def _names(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in events]


def _namespace(emu: KubeEmulator) -> str:
    ns = samples.unique("watch")
    assert emu.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}})[0] == 201
    return ns


def _later(action: Any, delay: float = 0.3) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), action()))
    thread.start()
    return thread


def test_a_watch_without_resource_version_starts_with_the_current_objects_then_follows_changes(
    kube_emulator_session: KubeEmulator,
) -> None:
    emu = kube_emulator_session
    ns = _namespace(emu)
    emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap("a", ns, a="1"))

    def changes() -> None:
        emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap("b", ns, b="1"))
        emu.request("PATCH", f"{CONFIGMAPS.format(ns=ns)}/a", {"data": {"a": "2"}}, "application/merge-patch+json")
        emu.request("DELETE", f"{CONFIGMAPS.format(ns=ns)}/b")

    with _watch(emu, CONFIGMAPS.format(ns=ns), timeoutSeconds="10") as resp:
        assert (resp.status, resp.headers["Content-Type"]) == (200, "application/json")
        assert resp.headers["Transfer-Encoding"] == "chunked"
        thread = _later(changes)
        events = _events(resp, 4)
        thread.join()
    assert _names(events) == [("ADDED", "a"), ("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    assert events[2]["object"]["data"] == {"a": "2"}
    assert all(e["object"]["kind"] == "ConfigMap" and e["object"]["apiVersion"] == "v1" for e in events)
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events[1:]]
    assert versions == sorted(versions) and len(set(versions)) == 3


def test_a_watch_from_a_resource_version_replays_only_later_changes(kube_emulator_session: KubeEmulator) -> None:
    emu = kube_emulator_session
    ns = _namespace(emu)
    _, first = emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap("a", ns))
    emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap("b", ns))
    emu.request("DELETE", f"{CONFIGMAPS.format(ns=ns)}/a")
    since = first["metadata"]["resourceVersion"]
    with _watch(emu, CONFIGMAPS.format(ns=ns), resourceVersion=since, timeoutSeconds="5") as resp:
        assert _names(_events(resp, 2)) == [("ADDED", "b"), ("DELETED", "a")]


def test_a_field_selector_on_the_name_watches_one_object_and_the_stream_ends_at_the_timeout(
    kube_emulator_session: KubeEmulator,
) -> None:
    emu = kube_emulator_session
    ns = _namespace(emu)
    for name in ("a", "b"):
        emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap(name, ns))
    started = time.monotonic()
    with _watch(emu, CONFIGMAPS.format(ns=ns), fieldSelector="metadata.name=b", timeoutSeconds="1") as resp:
        assert _names(_events(resp, 1)) == [("ADDED", "b")]
        assert resp.read() == b""  # the server closed the stream cleanly (last chunk) at the timeout
    assert 0.9 < time.monotonic() - started < 5


def test_idle_watches_get_bookmarks_and_watch_list_gets_the_initial_events_end_bookmark(
    kube_emulator_session: KubeEmulator,
) -> None:
    emu = kube_emulator_session
    ns = _namespace(emu)
    emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap("a", ns))
    params = {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true"}
    with _watch(emu, CONFIGMAPS.format(ns=ns), timeoutSeconds="5", **params) as resp:
        added, end, idle = _events(resp, 3)
    assert _names([added]) == [("ADDED", "a")]
    assert end["type"] == "BOOKMARK"
    assert end["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(end["object"]["metadata"]["resourceVersion"]) >= int(added["object"]["metadata"]["resourceVersion"])
    assert idle["type"] == "BOOKMARK" and "annotations" not in idle["object"]["metadata"]
    assert idle["object"]["kind"] == "ConfigMap"


def test_a_watch_on_one_object_path_sees_only_that_object(kube_emulator_session: KubeEmulator) -> None:
    emu = kube_emulator_session
    ns = _namespace(emu)
    emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap("a", ns))
    thread = _later(lambda: [emu.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap(n, ns)) for n in "bc"])
    with _watch(emu, f"{CONFIGMAPS.format(ns=ns)}/a", timeoutSeconds="1") as resp:
        body = resp.read().decode()
    thread.join()
    assert _names([json.loads(line) for line in body.splitlines()]) == [("ADDED", "a")]


@pytest.mark.emulator_args(["--watch-history", "5"])
def test_a_resource_version_older_than_the_history_is_410_expired(kube_emulator: KubeEmulator) -> None:
    ns = _namespace(kube_emulator)
    _, first = kube_emulator.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap("first", ns))
    for index in range(6):
        kube_emulator.request("POST", CONFIGMAPS.format(ns=ns), samples.configmap(f"c{index}", ns))
    with _watch(kube_emulator, CONFIGMAPS.format(ns=ns), resourceVersion=first["metadata"]["resourceVersion"]) as resp:
        [error] = _events(resp, 1)
        assert resp.read() == b""
    assert error["type"] == "ERROR"
    assert (error["object"]["code"], error["object"]["reason"]) == (410, "Expired")
    assert "too old resource version" in error["object"]["message"]


def test_bad_watch_parameters_and_paths_are_refused_before_streaming(kube_emulator_session: KubeEmulator) -> None:
    emu = kube_emulator_session
    with _watch(emu, CONFIGMAPS.format(ns="default"), resourceVersion="abc") as resp:
        assert resp.status == 400
    with _watch(emu, "/api/v1/namespaces/default/pods/x/log") as resp:
        assert resp.status == 404
