"""Secrets stay secret and the gateway exposes only what it should.

One emulator for the module: the istio, cert_manager and routes roles run once at -vvv with known fake key
values and a fake deSEC token, then the tests read the playbook output, the files the run wrote and the objects
in the emulator. The last test removes a key from the inventory and runs again. The tests share that one run, so
they run in file order on one worker (`--dist loadfile`, as `make test` runs them; `xdist_group` for `loadgroup`):
under `-n 2` the -vvv converge happens once, not once per worker, and the key removal comes last.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, KubeEmulator, _start
from tests.integration.roles.routes_harness import get, run_roles

ROLES = ["istio", "cert_manager", "routes"]
NS = "llm-gateway"
METRICS_PATHS = ("/metrics", "/tokenize", "/detokenize", "/version", "/load_lora_adapter", "/server_info", "/sleep")
SOURCE_SECRET = "team-c-key"
SKIP_DIRS = {".git", ".venv", "__pycache__", ".ruff_cache", ".pytest_cache", "node_modules"}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("routes_security")]


class Run:
    """The first run: its secrets, its output and when it started."""

    def __init__(self, emulator: KubeEmulator, keys: dict[str, str], token: str, output: str, started: float) -> None:
        self.emulator = emulator
        self.keys = keys
        self.token = token
        self.output = output
        self.started = started

    def secret_forms(self) -> list[str]:
        """Every value and its base64 form (what a Secret's data holds)."""
        values = [*self.keys.values(), self.token]
        return values + [base64.b64encode(v.encode()).decode() for v in values]


def _keys() -> dict[str, str]:
    return {name: f"fake-{name}-{secrets.token_hex(20)}" for name in ("team-a", "team-b", "team-c")}


def _key_vars(keys: dict[str, str]) -> list[dict[str, Any]]:
    """team-c is read from an existing Secret (from_secret), the others come inline as from Vault."""
    return [
        {"name": n, "from_secret": {"name": SOURCE_SECRET, "namespace": "default"}}
        if n == "team-c"
        else {"name": n, "key": v}
        for n, v in keys.items()
    ]


def _create_source_secret(emulator: KubeEmulator, value: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SOURCE_SECRET, "namespace": "default"},
        "data": {"api_key": base64.b64encode(value.encode()).decode()},
    }
    status, answer = emulator.request("POST", "/api/v1/namespaces/default/secrets", body)
    assert status == 201, answer


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    emulator_gen = _start(tmp_path_factory.mktemp("routes-security"))
    emulator = next(emulator_gen, None)
    assert emulator is not None
    keys, token = _keys(), f"fake-desec-{secrets.token_hex(20)}"
    _create_source_secret(emulator, keys["team-c"])
    started = time.time()
    proc = run_roles(
        emulator,
        ROLES,
        {"routes_api_keys": _key_vars(keys), "cert_manager_desec_token": token},
        verbosity="-vvv",
    )
    assert proc.rc == 0, proc.output[-4000:]
    yield Run(emulator, keys, token, proc.output, started)
    assert next(emulator_gen, None) is None  # runs the fixture's teardown: stops the emulator


def _files_written_since(root: Path, since: float) -> Iterator[Path]:
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            path = Path(directory) / name
            try:
                if path.is_file() and path.stat().st_mtime >= since:
                    yield path
            except OSError:
                continue


def _routes(emulator: KubeEmulator) -> list[dict[str, Any]]:
    return get(emulator, f"/apis/gateway.networking.k8s.io/v1/namespaces/{NS}/httproutes")["items"]


def test_no_secret_value_appears_in_the_vvv_output(first_run: Run) -> None:
    assert "Store each named key in its own Secret" in first_run.output  # the run did handle the keys
    leaked = [i for i, form in enumerate(first_run.secret_forms()) if form in first_run.output]
    assert leaked == [], f"secret forms #{leaked} appear in the -vvv output"


def test_no_secret_value_is_in_a_file_the_run_wrote(first_run: Run) -> None:
    # The repository, and the temporary directory the roles' modules and Helm use.
    roots = [REPO_ROOT, Path(first_run.emulator.env()["TMPDIR"]), Path.home() / ".ansible" / "tmp"]
    scanned, leaks = 0, []
    for root in roots:
        for path in _files_written_since(root, first_run.started):
            scanned += 1
            data = path.read_bytes()
            if any(form.encode() in data for form in first_run.secret_forms()):
                leaks.append(str(path))
    assert leaks == []
    assert scanned > 0  # the scan did see the files of the run (e.g. Helm's repository config)


def test_secret_values_live_only_in_secrets(first_run: Run) -> None:
    authconfig = get(first_run.emulator, f"/apis/authorino.kuadrant.io/v1beta3/namespaces/{NS}/authconfigs")
    routes = _routes(first_run.emulator)
    issuers = get(first_run.emulator, "/apis/cert-manager.io/v1/clusterissuers")
    text = json.dumps([authconfig, routes, issuers])
    assert [form for form in first_run.secret_forms() if form in text] == []
    key_secrets = get(
        first_run.emulator, f"/api/v1/namespaces/{NS}/secrets?labelSelector=llm-inference.gpuops.io/api-key%3Dtrue"
    )
    stored = {
        s["metadata"]["labels"]["llm-inference.gpuops.io/key-name"]: base64.b64decode(s["data"]["api_key"]).decode()
        for s in key_secrets["items"]
    }
    assert stored == first_run.keys


def test_no_route_points_at_a_metrics_port_or_path(first_run: Run) -> None:
    rules = [rule for route in _routes(first_run.emulator) for rule in route["spec"]["rules"]]
    ports = {ref["port"] for rule in rules for ref in rule.get("backendRefs", [])}
    paths = [m["path"]["value"] for rule in rules for m in rule.get("matches", [])]
    assert ports == {8000}
    assert paths and not [p for p in paths if any(p.endswith(bad) or f"{bad}/" in p for bad in METRICS_PATHS)]
    assert all(p == "/health" or "/v1/" in p for p in paths)


def test_removing_a_key_from_the_inventory_removes_only_that_key(first_run: Run) -> None:
    emulator = first_run.emulator
    secrets_path = f"/api/v1/namespaces/{NS}/secrets"
    before = {
        n: get(emulator, f"{secrets_path}/llm-gateway-key-{n}")["metadata"]["resourceVersion"]
        for n in ("team-a", "team-c")
    }
    remaining = {n: v for n, v in first_run.keys.items() if n != "team-b"}
    proc = run_roles(
        emulator,
        ROLES,
        {"routes_api_keys": _key_vars(remaining), "cert_manager_desec_token": first_run.token},
    )
    assert proc.rc == 0, proc.output[-4000:]

    status = emulator.request("GET", f"{secrets_path}/llm-gateway-key-team-b")[0]
    assert status == 404
    auth = get(emulator, f"/apis/authorino.kuadrant.io/v1beta3/namespaces/{NS}/authconfigs/llm-gateway-api-keys")
    assert sorted(auth["spec"]["authentication"]) == ["api-key-team-a", "api-key-team-c"]
    after = {n: get(emulator, f"{secrets_path}/llm-gateway-key-{n}")["metadata"]["resourceVersion"] for n in before}
    assert after == before  # the other keys' Secrets were not rewritten
