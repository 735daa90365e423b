"""Benchmark of the in-Job downloader against the fake Hub on loopback. Run as a script; prints figures.

    PYTHONPATH=.:collections .venv/bin/python tests/bench/bench_downloader.py [--mib 512] [--runs 3]

Figures:
  * throughput of the downloader and of huggingface_hub.snapshot_download on the same fake Hub and files (ratio);
  * bytes downloaded again after an interruption at 50 % of the largest file, within one run (connection cut,
    retried with Range) and across runs (the Job killed, a new Job resumes the partial blob);
  * time and bytes of a no-op reseed (every file verified by hash, nothing downloaded), and of the controller's
    revision resolution, which is all a module rerun does besides one PVC read.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "collections")]
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.hub import HubResolver  # noqa: E402
from huggingface_hub import snapshot_download  # noqa: E402

from tests.harness.hf_fake import HubServer  # noqa: E402
from tests.harness.hf_fake.job_runner import load_downloader  # noqa: E402

downloader = load_downloader()
from tests.harness.hf_fake.samples import fake_safetensors  # noqa: E402

REPO = "bench/model"
MIB = 1024 * 1024


def build_files(total_mib: int) -> dict[str, bytes]:
    """Shards like a real checkpoint: one half-size shard, two quarter shards, plus configs and a tokenizer."""
    floats = total_mib * MIB // 2
    return {
        "model-00001-of-00003.safetensors": fake_safetensors(floats // 2),
        "model-00002-of-00003.safetensors": fake_safetensors(floats // 4),
        "model-00003-of-00003.safetensors": fake_safetensors(floats // 4),
        "config.json": b'{"architectures": ["LlamaForCausalLM"]}',
        "tokenizer.json": os.urandom(2 * MIB),
        "generation_config.json": b"{}",
    }


def seed(hub: HubServer, cache: Path, *extra: str) -> dict:
    args = downloader.parse_args(
        ["--repo-id", REPO, "--cache-dir", str(cache), "--endpoint", hub.url, "--termination-log", os.devnull, *extra]
    )
    return downloader.JobDownloader(args, log=lambda _m: None).run()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def throughput(hub: HubServer, total: int, runs: int, work: Path) -> tuple[float, float, float]:
    """Median MiB/s of: the downloader (verifying hashes), the downloader checking sizes only, snapshot_download."""
    ours, sizes_only, theirs = [], [], []
    for i in range(runs):
        ours.append(timed(lambda i=i: seed(hub, work / f"ours-{i}")))
        sizes_only.append(timed(lambda i=i: seed(hub, work / f"size-{i}", "--verify", "size")))
        theirs.append(timed(lambda i=i: snapshot_download(REPO, cache_dir=work / f"hf-{i}", endpoint=hub.url)))
        for name in (f"ours-{i}", f"size-{i}", f"hf-{i}"):
            shutil.rmtree(work / name)
    return tuple(total / statistics.median(t) for t in (ours, sizes_only, theirs))  # type: ignore[return-value]


def sha256_speed() -> float:
    data = os.urandom(64 * MIB)
    seconds = timed(lambda: hashlib.sha256(data).hexdigest())
    return len(data) / seconds


def interrupted(hub: HubServer, files: dict[str, bytes], work: Path) -> dict[str, int]:
    big = max(files, key=lambda name: len(files[name]))
    half = len(files[big]) // 2
    out = {}
    hub.reset_log()
    hub.cut(big, after=half)
    seed(hub, work / "cut")
    out["ours, connection cut, same run"] = hub.body_bytes(big) - len(files[big])
    hub.reset_log()
    hub.cut(big, after=half)
    snapshot_download(REPO, cache_dir=work / "cut-hf", endpoint=hub.url)
    out["snapshot_download, connection cut, same run"] = hub.body_bytes(big) - len(files[big])
    # A killed Job: the first run gives up at 50 % (no retries), a second run resumes from the volume.
    hub.reset_log()
    hub.cut(big, after=half)
    with contextlib.suppress(downloader.SeedError):
        seed(hub, work / "killed", "--retries", "0")
    hub.reset_log()
    seed(hub, work / "killed")
    out["ours, Job killed, next run"] = hub.body_bytes(big) - (len(files[big]) - half)
    # The same for snapshot_download: every attempt is cut at 50 % until it gives up, then a new process runs.
    hub.cut(big, after=half, once=False)
    with contextlib.suppress(Exception):
        snapshot_download(REPO, cache_dir=work / "killed-hf", endpoint=hub.url)
    hub.state.cuts.clear()
    hub.reset_log()
    snapshot_download(REPO, cache_dir=work / "killed-hf", endpoint=hub.url)
    out["snapshot_download, process killed, next run"] = hub.body_bytes(big) - (len(files[big]) - half)
    return out


def noop(hub: HubServer, work: Path) -> tuple[float, int, float]:
    cache = work / "noop"
    seed(hub, cache)
    hub.reset_log()
    seconds = timed(lambda: seed(hub, cache))
    resolver = HubResolver(hub.url)
    resolve = timed(lambda: resolver.resolve(REPO, "main"))
    return seconds, hub.body_bytes(), resolve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512, help="size of the weights (MiB)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = build_files(args.mib)
    total = sum(len(b) for b in files.values())
    with HubServer() as hub, tempfile.TemporaryDirectory(prefix="bench-downloader-") as tmp:
        hub.add_repo(REPO, files)
        work = Path(tmp)
        ours, sizes_only, theirs = throughput(hub, total, args.runs, work)
        print(f"repo: {len(files)} files, {total / MIB:.0f} MiB; median of {args.runs} runs on loopback")
        print(f"downloader, sha256/git-blob verified  {ours / MIB:8.1f} MiB/s")
        print(f"downloader, sizes only                {sizes_only / MIB:8.1f} MiB/s")
        print(f"snapshot_download (no verification)   {theirs / MIB:8.1f} MiB/s")
        print(
            f"ratio downloader / snapshot_download: {ours / theirs:.2f} verified, {sizes_only / theirs:.2f} sizes only"
        )
        print(f"sha256 on this machine: {sha256_speed() / MIB:.0f} MiB/s (one core)")
        for label, extra in interrupted(hub, files, work).items():
            print(f"re-downloaded after a 50% interruption ({label}): {extra} bytes")
        seconds, body, resolve = noop(hub, work)
        print(f"no-op reseed (downloader, every file hashed): {seconds:.3f} s, {body} bytes downloaded")
        print(f"no-op module rerun: revision resolution {resolve:.3f} s, 0 bytes, no Job")
    return 0


if __name__ == "__main__":
    sys.exit(main())
