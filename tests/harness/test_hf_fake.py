"""The Hugging Face Hub fake speaks what huggingface_hub requests and parses."""

from __future__ import annotations

import hashlib
import http.client
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.file_download import get_hf_file_metadata, hf_hub_url

from tests.harness.hf_fake import HubServer, git_blob_id
from tests.harness.hf_fake.samples import GATED, REPO, TOKEN, fake_safetensors, model_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files() -> dict[str, bytes]:
    return model_files(weights_floats=50_000)


@pytest.fixture
def hub(files, monkeypatch) -> Iterator[HubServer]:
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with HubServer() as server:
        server.add_repo(REPO, files)
        server.add_repo(GATED, {"model.safetensors": fake_safetensors(100)}, gated=True)
        server.allow_token(TOKEN)
        yield server


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)  # noqa: S310 - loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_model_info_resolves_main_to_the_commit(hub):
    info = HfApi(endpoint=hub.url).model_info(REPO, revision="main")
    assert info.sha == hub.state.repos[REPO].refs["main"]
    assert len(info.siblings) == 5


def test_recursive_tree_lists_files_with_git_and_lfs_ids(hub, files):
    entries = {e.path: e for e in HfApi(endpoint=hub.url).list_repo_tree(REPO, recursive=True)}
    assert entries["model.safetensors"].lfs.sha256 == hashlib.sha256(files["model.safetensors"]).hexdigest()
    assert entries["config.json"].blob_id == git_blob_id(files["config.json"])
    assert entries["config.json"].lfs is None
    assert "original/params.json" in entries and "original" in entries


def test_non_recursive_tree_lists_one_level(hub):
    paths = {e.path for e in HfApi(endpoint=hub.url).list_repo_tree(REPO)}
    assert "original" in paths and "original/params.json" not in paths


def test_file_metadata_has_the_headers_hf_hub_download_needs(hub, files):
    meta = get_hf_file_metadata(hf_hub_url(REPO, "model.safetensors", endpoint=hub.url))
    assert meta.commit_hash == hub.state.repos[REPO].refs["main"]
    assert meta.etag == hashlib.sha256(files["model.safetensors"]).hexdigest()
    assert meta.size == len(files["model.safetensors"])


def test_small_files_carry_their_git_blob_id_as_etag(hub, files):
    _status, headers, _body = get(f"{hub.url}/{REPO}/resolve/main/config.json", method="HEAD")
    assert headers["ETag"] == f'"{git_blob_id(files["config.json"])}"'
    assert "X-Linked-Etag" not in headers


def test_range_requests_get_206_with_the_tail(hub, files):
    status, headers, body = get(f"{hub.url}/{REPO}/resolve/main/model.safetensors", {"Range": "bytes=100-"})
    size = len(files["model.safetensors"])
    assert status == 206
    assert headers["Content-Range"] == f"bytes 100-{size - 1}/{size}"
    assert body == files["model.safetensors"][100:]


def test_range_beyond_the_end_is_416(hub, files):
    status, _headers, _body = get(f"{hub.url}/{REPO}/resolve/main/config.json", {"Range": "bytes=999999-"})
    assert status == 416


def test_snapshot_download_fetches_every_file(hub, files, tmp_path):
    path = Path(snapshot_download(REPO, cache_dir=tmp_path, endpoint=hub.url))
    assert {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} == set(files)
    assert (path / "model.safetensors").read_bytes() == files["model.safetensors"]


@pytest.mark.parametrize(
    ("repo", "revision", "filename", "error"),
    [
        (GATED, "main", "model.safetensors", GatedRepoError),
        ("gpuops-test/missing", "main", "config.json", RepositoryNotFoundError),
        (REPO, "no-such-branch", "config.json", RevisionNotFoundError),
        (REPO, "main", "no-such-file.json", EntryNotFoundError),
    ],
)
def test_errors_map_to_huggingface_hub_exceptions(hub, tmp_path, repo, revision, filename, error):
    with pytest.raises(error):
        hf_hub_download(repo, filename, revision=revision, cache_dir=tmp_path, endpoint=hub.url)


def test_gated_repo_downloads_with_an_allowed_token(hub, tmp_path):
    path = hf_hub_download(GATED, "model.safetensors", cache_dir=tmp_path, endpoint=hub.url, token=TOKEN)
    assert Path(path).stat().st_size > 0


def test_gated_repo_metadata_is_public_like_on_the_hub(hub):
    assert HfApi(endpoint=hub.url, token=False).model_info(GATED).gated == "manual"


def test_a_cut_drops_the_connection_after_the_given_bytes(hub, files):
    hub.cut("model.safetensors", after=1000)
    with pytest.raises(http.client.IncompleteRead) as caught:
        get(f"{hub.url}/{REPO}/resolve/main/model.safetensors")
    assert len(caught.value.partial) == 1000
    status, _headers, body = get(f"{hub.url}/{REPO}/resolve/main/model.safetensors")
    assert status == 200 and body == files["model.safetensors"]  # a cut happens once


def test_requests_are_recorded_with_body_bytes(hub, files):
    get(f"{hub.url}/{REPO}/resolve/main/config.json")
    assert hub.body_bytes("config.json") == len(files["config.json"])


def test_cli_serves_a_repo_dir_and_prints_ready(tmp_path):
    repo = tmp_path / "org" / "model"
    repo.mkdir(parents=True)
    (repo / "config.json").write_bytes(b'{"x": 1}')
    gated = tmp_path / "org" / "gated"
    gated.mkdir()
    (gated / ".gated").touch()
    (gated / "config.json").write_bytes(b"{}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.harness.hf_fake", "--port", "0", "--repo-dir", str(tmp_path), "--token", "t0k"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("ready http://127.0.0.1:")
        url = line.split()[1]
        status, _headers, body = get(f"{url}/org/model/resolve/main/config.json")
        assert status == 200 and body == b'{"x": 1}'
        status, headers, _body = get(f"{url}/org/gated/resolve/main/config.json")
        assert (status, headers["X-Error-Code"]) == (401, "GatedRepo")
        status, _headers, body = get(f"{url}/org/gated/resolve/main/config.json", {"Authorization": "Bearer t0k"})
        assert (status, body) == (200, b"{}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
