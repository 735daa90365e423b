"""The in-Job downloader (files/job_downloader.py) against the fake Hub: layout, verification, resume, no-op
reruns and clear failures."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest
from huggingface_hub import hf_hub_download, snapshot_download

from tests.harness.hf_fake.job_runner import load_downloader
from tests.harness.hf_fake.samples import GATED, REPO, TOKEN

downloader = load_downloader()

WEIGHTS = "model.safetensors"


def seed(hub, cache: Path, *extra: str, repo: str = REPO, monkeypatch=None, token: str | None = None, **kwargs):
    if monkeypatch is not None:
        if token:
            monkeypatch.setenv("HF_TOKEN", token)
        else:
            monkeypatch.delenv("HF_TOKEN", raising=False)
    args = downloader.parse_args(
        [
            "--repo-id",
            repo,
            "--cache-dir",
            str(cache),
            "--endpoint",
            hub.url,
            "--termination-log",
            str(cache.parent / "termination-log"),
            *extra,
        ]
    )
    return downloader.JobDownloader(args, log=lambda _msg: None, **kwargs).run()


@pytest.fixture(autouse=True)
def _no_ambient_token(monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")


def blob_of(cache: Path, commit: str, path: str) -> Path:
    return (cache / "models--gpuops-test--tiny-llama" / "snapshots" / commit / path).resolve()


def test_fresh_seed_writes_the_hf_cache_layout_that_offline_huggingface_hub_finds(hub, files, tmp_path):
    cache = tmp_path / "hub"
    record = seed(hub, cache)
    commit = hub.state.repos[REPO].refs["main"]
    assert record["commit"] == commit
    assert record["files"] == len(files)
    assert record["bytes"] == sum(len(b) for b in files.values())
    assert record["downloaded_bytes"] == record["bytes"]
    storage = cache / "models--gpuops-test--tiny-llama"
    assert (storage / "refs" / "main").read_text() == commit
    weights = storage / "snapshots" / commit / WEIGHTS
    assert weights.is_symlink()
    assert weights.resolve().name == hashlib.sha256(files[WEIGHTS]).hexdigest()
    # vLLM resolves the model with HF_HUB_OFFLINE=1; local_files_only is the same code path.
    local = hf_hub_download(REPO, "original/params.json", cache_dir=cache, local_files_only=True)
    assert Path(local).read_bytes() == files["original/params.json"]
    snapshot = snapshot_download(REPO, cache_dir=cache, local_files_only=True)
    assert Path(snapshot, WEIGHTS).read_bytes() == files[WEIGHTS]


def test_record_is_written_on_the_volume_and_to_the_termination_log(hub, tmp_path):
    cache = tmp_path / "hub"
    code = downloader.main(
        [
            "--repo-id",
            REPO,
            "--cache-dir",
            str(cache),
            "--endpoint",
            hub.url,
            "--termination-log",
            str(tmp_path / "termination-log"),
        ]
    )
    assert code == 0
    on_volume = json.loads((tmp_path / "gpuops" / "models--gpuops-test--tiny-llama.json").read_text())
    message = json.loads((tmp_path / "termination-log").read_text())
    assert on_volume["commit"] == message["commit"] == hub.state.repos[REPO].refs["main"]
    assert len((tmp_path / "termination-log").read_bytes()) < 4096  # the kubelet truncates beyond 4 KiB


def test_last_log_line_is_the_record(hub, tmp_path, capsys):
    downloader.main(
        [
            "--repo-id",
            REPO,
            "--cache-dir",
            str(tmp_path / "hub"),
            "--endpoint",
            hub.url,
            "--termination-log",
            str(tmp_path / "t"),
        ]
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last)["ok"] is True


def test_unchanged_cache_is_left_untouched_and_nothing_is_downloaded(hub, tmp_path):
    cache = tmp_path / "hub"
    first = seed(hub, cache)
    blob = blob_of(cache, first["commit"], WEIGHTS)
    mtime = blob.stat().st_mtime_ns
    hub.reset_log()
    second = seed(hub, cache)
    assert second["downloaded_bytes"] == 0
    assert second["kept_files"] == second["files"]
    assert hub.body_bytes() == 0
    assert blob.stat().st_mtime_ns == mtime


def test_a_corrupted_file_is_detected_and_fetched_again(hub, files, tmp_path):
    cache = tmp_path / "hub"
    first = seed(hub, cache)
    blob = blob_of(cache, first["commit"], WEIGHTS)
    data = bytearray(blob.read_bytes())
    data[1000] ^= 0xFF  # same size, different content: only the sha256 catches it
    blob.write_bytes(bytes(data))
    hub.reset_log()
    second = seed(hub, cache)
    assert second["refetched_files"] == 1
    assert hub.body_bytes() == len(files[WEIGHTS])
    assert blob.read_bytes() == files[WEIGHTS]


def test_size_only_verification_keeps_a_same_size_corruption(hub, files, tmp_path):
    cache = tmp_path / "hub"
    first = seed(hub, cache)
    blob = blob_of(cache, first["commit"], WEIGHTS)
    data = bytearray(blob.read_bytes())
    data[1000] ^= 0xFF
    blob.write_bytes(bytes(data))
    second = seed(hub, cache, "--verify", "size")
    assert second["refetched_files"] == 0
    assert second["verified"] == "size only"


def test_a_corrupted_small_file_is_caught_by_its_git_blob_id(hub, files, tmp_path):
    cache = tmp_path / "hub"
    first = seed(hub, cache)
    blob = blob_of(cache, first["commit"], "config.json")
    blob.write_bytes(files["config.json"].replace(b"2", b"3"))
    assert seed(hub, cache)["refetched_files"] == 1
    assert blob.read_bytes() == files["config.json"]


def test_a_transfer_cut_midway_resumes_with_a_range_request(hub, files, tmp_path):
    size = len(files[WEIGHTS])
    hub.cut(WEIGHTS, after=size // 2)
    record = seed(hub, tmp_path / "hub")
    assert record["downloaded_bytes"] == record["bytes"]  # nothing fetched twice
    assert hub.body_bytes(WEIGHTS) == size
    ranges = [r["range"] for r in hub.state.requests if r["path"].endswith(WEIGHTS) and r["range"]]
    assert ranges == [f"bytes={size // 2}-"]


def test_a_partial_download_left_by_a_killed_job_is_resumed(hub, files, tmp_path):
    cache = tmp_path / "hub"
    size = len(files[WEIGHTS])
    blobs = cache / "models--gpuops-test--tiny-llama" / "blobs"
    blobs.mkdir(parents=True)
    sha = hashlib.sha256(files[WEIGHTS]).hexdigest()
    (blobs / f"{sha}.incomplete").write_bytes(files[WEIGHTS][: size // 2])
    record = seed(hub, cache)
    assert hub.body_bytes(WEIGHTS) == size - size // 2
    assert (blobs / sha).read_bytes() == files[WEIGHTS]
    assert not (blobs / f"{sha}.incomplete").exists()
    assert record["downloaded_bytes"] == record["bytes"] - size // 2


def test_a_partial_download_with_wrong_bytes_is_restarted(hub, files, tmp_path):
    cache = tmp_path / "hub"
    blobs = cache / "models--gpuops-test--tiny-llama" / "blobs"
    blobs.mkdir(parents=True)
    sha = hashlib.sha256(files[WEIGHTS]).hexdigest()
    (blobs / f"{sha}.incomplete").write_bytes(b"\0" * 1000)
    seed(hub, cache)
    assert (blobs / sha).read_bytes() == files[WEIGHTS]


def test_allow_and_ignore_patterns_select_the_files(hub, tmp_path):
    record = seed(hub, tmp_path / "hub", "--allow-pattern", "*.json", "--ignore-pattern", "original/*")
    assert record["files"] == 3
    snapshot = tmp_path / "hub" / "models--gpuops-test--tiny-llama" / "snapshots" / record["commit"]
    assert sorted(p.name for p in snapshot.iterdir()) == ["config.json", "generation_config.json", "tokenizer.json"]


def test_a_branch_revision_is_recorded_as_a_ref(hub, files, tmp_path):
    repo = hub.state.repos[REPO]
    old = repo.refs["main"]
    new = repo.commit(dict(files, **{"config.json": b'{"v": 2}'}))
    repo.refs["v1"] = old
    record = seed(hub, tmp_path / "hub", "--revision", "v1")
    assert record["commit"] == old != new
    assert (tmp_path / "hub" / "models--gpuops-test--tiny-llama" / "refs" / "v1").read_text() == old


def test_a_gated_model_without_token_fails_before_downloading(hub, tmp_path, monkeypatch):
    with pytest.raises(downloader.SeedError, match="gated") as caught:
        seed(hub, tmp_path / "hub", repo=GATED, monkeypatch=monkeypatch)
    assert caught.value.reason == "hub"
    assert hub.body_bytes() == 0


def test_a_gated_model_with_an_allowed_token_is_seeded(hub, tmp_path, monkeypatch):
    assert seed(hub, tmp_path / "hub", repo=GATED, monkeypatch=monkeypatch, token=TOKEN)["files"] == 2


def test_a_rejected_token_fails_with_the_hubs_401(hub, tmp_path, monkeypatch):
    with pytest.raises(downloader.SeedError, match="refused the token"):
        seed(hub, tmp_path / "hub", monkeypatch=monkeypatch, token="hf_wrong")


def test_an_unknown_repo_fails_clearly(hub, tmp_path):
    with pytest.raises(downloader.SeedError, match="repository gpuops-test/nope not found"):
        seed(hub, tmp_path / "hub", repo="gpuops-test/nope")


def test_an_unknown_revision_fails_clearly(hub, tmp_path):
    with pytest.raises(downloader.SeedError, match="revision nope not found"):
        seed(hub, tmp_path / "hub", "--revision", "nope")


def test_failure_exit_code_and_last_line_name_the_reason(hub, tmp_path, capsys):
    code = downloader.main(
        [
            "--repo-id",
            "gpuops-test/nope",
            "--cache-dir",
            str(tmp_path / "hub"),
            "--endpoint",
            hub.url,
            "--termination-log",
            str(tmp_path / "t"),
        ]
    )
    assert code == 2
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == json.loads((tmp_path / "t").read_text())
    assert last["ok"] is False and last["reason"] == "hub"


def test_a_volume_too_small_fails_before_downloading(hub, tmp_path):
    with pytest.raises(downloader.SeedError, match="No space left on the cache volume") as caught:
        seed(hub, tmp_path / "hub", free_bytes=lambda _path: 1024)
    assert caught.value.reason == "disk_full"
    assert hub.body_bytes() == 0


def test_enospc_while_writing_is_reported_as_a_full_volume(hub, tmp_path, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def write(self, _data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def fake_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        writing = str(path).endswith(".incomplete") and ("w" in mode or "a" in mode)
        return FullDisk(handle) if writing else handle

    monkeypatch.setattr(downloader, "open", fake_open, raising=False)
    with pytest.raises(downloader.SeedError, match="No space left") as caught:
        seed(hub, tmp_path / "hub")
    assert caught.value.reason == "disk_full"
