"""Fixtures of the in-Job downloader tests: a fake Hub serving a small but real model repository."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness.hf_fake import HubServer
from tests.harness.hf_fake.samples import GATED, REPO, TOKEN, fake_safetensors, model_files


@pytest.fixture
def files() -> dict[str, bytes]:
    return model_files()


@pytest.fixture
def hub(files: dict[str, bytes]) -> Iterator[HubServer]:
    with HubServer() as server:
        server.add_repo(REPO, files)
        server.add_repo(GATED, {"config.json": b"{}", "model.safetensors": fake_safetensors(1000)}, gated=True)
        server.allow_token(TOKEN)
        yield server
