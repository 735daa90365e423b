"""The action plugin gpuops.llm_inference.k8s given a list of objects in one call (how the roles apply related
objects with one module run): a rerun writes nothing; a value changed in the inventory, or a field of ours changed by
another manager, is still applied; check mode shows the diff of that one object and writes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KubeEmulator, run_playbook

pytestmark = pytest.mark.slow
NS = "batch"
PLAY = """
- name: Apply a list of ConfigMaps in one call
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply the ConfigMaps
      gpuops.llm_inference.k8s:
        state: present
        definition: "{{ objects }}"
"""
MAPS = {"one": {"k": "1"}, "two": {"k": "2"}, "three": {"k": "3"}}


def _play(emulator: KubeEmulator, maps: dict[str, Any], *flags: str) -> tuple[int, str]:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": NS}, "data": data}
        for name, data in maps.items()
    ]
    run = run_playbook(PLAY, {"objects": objects}, emulator=emulator, args=flags)
    assert run.rc == 0, run.tail()
    return _changed(run.stdout), run.stdout


def _changed(stdout: str) -> int:
    line = next(x for x in stdout.splitlines() if x.startswith("localhost"))
    return int(line.split("changed=", 1)[1].split()[0])


def _data(emulator: KubeEmulator) -> dict[str, Any]:
    status, body = emulator.request("GET", f"/api/v1/namespaces/{NS}/configmaps")
    assert status == 200, body
    return {item["metadata"]["name"]: item.get("data") for item in body["items"]}


def _writes(emulator: KubeEmulator) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in emulator.requests()
        if r["method"] not in ("GET", "HEAD") and r["query"].get("dryRun") != "All"
    ]


@pytest.fixture
def converged(kube_emulator: KubeEmulator) -> KubeEmulator:
    kube_emulator.create_namespace(NS)
    changed, _ = _play(kube_emulator, MAPS)
    assert changed == 1
    assert _data(kube_emulator) == MAPS
    kube_emulator.clear_requests()
    return kube_emulator


def test_a_rerun_of_a_list_writes_nothing(converged: KubeEmulator) -> None:
    changed, _ = _play(converged, MAPS)
    assert changed == 0
    assert _writes(converged) == []


def test_a_value_changed_for_one_object_of_the_list_is_applied(converged: KubeEmulator) -> None:
    wanted = dict(MAPS, two={"k": "22"})
    changed, _ = _play(converged, wanted)
    assert changed == 1
    assert _data(converged) == wanted


def test_a_field_of_ours_changed_by_another_manager_is_restored(converged: KubeEmulator) -> None:
    status, body = converged.request(
        "PATCH",
        f"/api/v1/namespaces/{NS}/configmaps/three?fieldManager=someone-else",
        {"data": {"k": "drift"}},
        content_type="application/merge-patch+json",
    )
    assert status == 200, body
    assert _data(converged)["three"] == {"k": "drift"}
    converged.clear_requests()

    changed, out = _play(converged, MAPS, "--check", "--diff")
    assert changed == 1
    assert re.search(r'^-\s+"k": "drift"', out, re.MULTILINE), out
    assert re.search(r'^\+\s+"k": "3"', out, re.MULTILINE), out
    assert _writes(converged) == []
    assert _data(converged)["three"] == {"k": "drift"}

    changed, _ = _play(converged, MAPS)
    assert changed == 1
    assert _data(converged) == MAPS


def test_a_list_of_manifest_files_is_applied_in_one_call(kube_emulator: KubeEmulator, tmp_path: Path) -> None:
    kube_emulator.create_namespace(NS)
    files = []
    for name, data in MAPS.items():
        path = tmp_path / f"{name}.yaml"
        # A leading separator and an empty document, as upstream manifests have.
        path.write_text(f"---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {NS}}}\n")
        path.write_text(path.read_text() + f"data: {json.dumps(data)}\n")
        files.append(str(path))
    play = PLAY.replace('definition: "{{ objects }}"', f"src: {json.dumps(files)}")
    for expected_changed in (1, 0):
        kube_emulator.clear_requests()
        run = run_playbook(play, emulator=kube_emulator)
        assert run.rc == 0, run.tail()
        assert _changed(run.stdout) == expected_changed
    assert _data(kube_emulator) == MAPS
    assert _writes(kube_emulator) == []
