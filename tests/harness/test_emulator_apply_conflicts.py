"""Server-side apply between field managers: 409 naming manager and field, co-ownership, `force` taking ownership."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.conftest import KubeEmulator
from tests.harness.kube_emulator.samples import unique
from tests.harness.upstream import upstream_dir

APPLY = "application/apply-patch+yaml"


@pytest.fixture
def cm(kube_emulator_session: KubeEmulator) -> Iterator[str]:
    """Path of a ConfigMap that does not exist yet, in a fresh namespace."""
    ns = unique("ssa")
    kube_emulator_session.request("POST", "/api/v1/namespaces", {"metadata": {"name": ns}})
    yield f"/api/v1/namespaces/{ns}/configmaps/shared"
    kube_emulator_session.request("DELETE", f"/api/v1/namespaces/{ns}")


def _config(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}, "data": data}


def _apply(emu: KubeEmulator, path: str, manager: str, config: dict[str, Any], *extra: str) -> tuple[int, Any]:
    query = "&".join([f"fieldManager={manager}", *extra])
    return emu.request("PATCH", f"{path}?{query}", config, APPLY)


def _owned(obj: dict[str, Any], manager: str) -> set[str]:
    entry = next(e for e in obj["metadata"]["managedFields"] if e["manager"] == manager)
    return set(entry["fieldsV1"].get("f:data", {}))


def test_changing_a_field_another_manager_applied_is_a_409_naming_both(
    kube_emulator_session: KubeEmulator, cm: str
) -> None:
    emu = kube_emulator_session
    assert _apply(emu, cm, "alpha", _config(a="1", b="1"))[0] == 200
    _, before = emu.request("GET", cm)
    status, error = _apply(emu, cm, "beta", _config(a="2"))
    assert status == 409
    assert error["reason"] == "Conflict"
    assert error["message"] == 'Apply failed with 1 conflict: conflict with "alpha" using v1: .data.a'
    assert error["details"]["causes"] == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "alpha" using v1', "field": ".data.a"}
    ]
    _, after = emu.request("GET", cm)
    assert after == before  # nothing applied, not even beta's managedFields entry


def test_every_conflicting_field_is_listed(kube_emulator_session: KubeEmulator, cm: str) -> None:
    emu = kube_emulator_session
    _apply(emu, cm, "alpha", _config(a="1", b="1", c="1"))
    status, error = _apply(emu, cm, "beta", _config(a="2", b="2", c="1"))
    assert status == 409
    assert error["message"] == 'Apply failed with 2 conflicts: conflicts with "alpha" using v1:\n- .data.a\n- .data.b'
    assert [c["field"] for c in error["details"]["causes"]] == [".data.a", ".data.b"]


def test_applying_the_same_value_shares_the_field(kube_emulator_session: KubeEmulator, cm: str) -> None:
    emu = kube_emulator_session
    _apply(emu, cm, "alpha", _config(a="1"))
    status, shared = _apply(emu, cm, "beta", _config(a="1", b="1"))
    assert status == 200, shared
    assert _owned(shared, "alpha") == {"f:a"} and _owned(shared, "beta") == {"f:a", "f:b"}


def test_force_takes_the_field_and_the_former_owner_then_conflicts(
    kube_emulator_session: KubeEmulator, cm: str
) -> None:
    emu = kube_emulator_session
    _apply(emu, cm, "alpha", _config(a="1", b="1"))
    status, forced = _apply(emu, cm, "beta", _config(a="2"), "force=true")
    assert status == 200, forced
    assert forced["data"] == {"a": "2", "b": "1"}
    assert _owned(forced, "alpha") == {"f:b"} and _owned(forced, "beta") == {"f:a"}
    status, error = _apply(emu, cm, "alpha", _config(a="1", b="1"))
    assert status == 409
    assert error["details"]["causes"][0] == {
        "reason": "FieldManagerConflict",
        "message": 'conflict with "beta" using v1',
        "field": ".data.a",
    }
    # alpha no longer owns `a`, so leaving it out of its configuration does not delete beta's value.
    status, dropped = _apply(emu, cm, "alpha", _config(b="1"))
    assert status == 200 and dropped["data"] == {"a": "2", "b": "1"}


def test_a_forced_dry_run_changes_no_ownership(kube_emulator_session: KubeEmulator, cm: str) -> None:
    emu = kube_emulator_session
    _apply(emu, cm, "alpha", _config(a="1"))
    status, _ = _apply(emu, cm, "beta", _config(a="2"), "force=true", "dryRun=All")
    assert status == 200
    status, error = _apply(emu, cm, "beta", _config(a="2"))
    assert status == 409 and 'conflict with "alpha"' in error["message"]


def test_a_map_entry_the_manager_stops_applying_is_removed_whole(kube_emulator: KubeEmulator) -> None:
    # Server-side apply removes what its manager no longer applies: a named entry of a map (AuthConfig's
    # spec.authentication.<key>) goes entirely, not only its leaves (the routes role drops a revoked key this way).
    upstream = upstream_dir()
    if upstream is None:
        pytest.skip("../shared/upstream is absent: no AuthConfig CRD to install")
    crd = yaml.safe_load((upstream / "authorino/v0.27.0/authorino.kuadrant.io_authconfigs.yaml").read_text())
    assert kube_emulator.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)[0] == 201
    path = "/apis/authorino.kuadrant.io/v1beta3/namespaces/default/authconfigs/keys"

    def config(*names: str) -> dict[str, Any]:
        entry = {"apiKey": {"selector": {"matchLabels": {"group": "keys"}}}}
        spec = {"hosts": ["llm.example.test"], "authentication": {f"api-key-{n}": entry for n in names}}
        kind = {"apiVersion": "authorino.kuadrant.io/v1beta3", "kind": "AuthConfig"}
        return {**kind, "metadata": {"name": "keys"}, "spec": spec}

    for names in (("a", "b", "c"), ("a", "c")):
        for dry_run in ("dryRun=All", "force=true"):
            status, body = _apply(kube_emulator, path, "gpuops.llm_inference", config(*names), dry_run)
            assert status == 200, body
            assert sorted(body["spec"]["authentication"]) == [f"api-key-{n}" for n in names]
    status, stored = kube_emulator.request("GET", path)
    assert sorted(stored["spec"]["authentication"]) == ["api-key-a", "api-key-c"]
