"""Fixtures shared by the emulator's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import KubeEmulator
from tests.harness.kube_emulator.samples import unique


@pytest.fixture
def ns(kube_emulator_session: KubeEmulator) -> Iterator[str]:
    """A namespace of its own on the worker's session emulator, deleted afterwards."""
    name = unique("ns")
    status, body = kube_emulator_session.request("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
    assert status == 201, body
    yield name
    kube_emulator_session.request("DELETE", f"/api/v1/namespaces/{name}")
