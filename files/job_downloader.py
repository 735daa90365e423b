# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seed one model revision into a Hugging Face cache on a volume. Runs INSIDE the seeding Job.

Plain Python: the standard library plus huggingface_hub (present in the vllm/vllm-openai image), no Ansible. It is
not a module_util: it never runs on the controller or the managed host. The model_cache action plugin
(plugins/action/model_cache.py) reads this file on the controller and passes it to the module, which puts it in the
ConfigMap the Job runs it from.

What it does, for ``--repo-id`` at ``--revision``:

1. Resolves the revision to a commit and lists the commit's files with ``huggingface_hub.HfApi`` (``HF_ENDPOINT``
   selects a mirror, ``HF_TOKEN`` authenticates), then applies ``--allow-pattern``/``--ignore-pattern``.
2. Writes the cache exactly as ``hf_hub_download`` does (``$HF_HUB_CACHE`` or ``$HF_HOME/hub``):
   ``models--org--name/blobs/<etag>``, ``snapshots/<commit>/<path>`` symlinks and ``refs/<revision>``, so vLLM
   with ``HF_HOME`` set and ``HF_HUB_OFFLINE=1`` finds the snapshot by repo id.
3. Verifies every file against the Hub's metadata: LFS files by size and sha256 (the LFS oid); other files by size
   and git blob id (sha1 of ``"blob <size>\\0" + content``, the tree listing's ``oid``). A blob already in the
   cache that verifies is left untouched; one that does not is fetched again.
4. Downloads over HTTP with ``Range`` so that a transfer cut midway resumes where it stopped, within this run
   (retries) and across runs (the partial ``blobs/<etag>.incomplete`` is kept). huggingface_hub 2.x downloads to
   a process-unique temporary file that it deletes on failure, so it cannot resume across runs; that is why the
   transfer itself is done here while the Hub metadata comes from huggingface_hub.
5. Writes a record (model, commit, files, bytes, ...) to ``$HF_HOME/gpuops/<models--org--name>.json``, prints it
   as the last line of the log and writes it to ``/dev/termination-log`` when writable.

Exit codes: 0 seeded; 2 Hub error (401, gated, unknown repo or revision); 3 verification failed; 4 volume full;
1 anything else. On failure the last log line is ``{"ok": false, "reason": ..., "error": ...}``.
"""

from __future__ import absolute_import, division, print_function

import argparse
import concurrent.futures
import datetime
import errno
import hashlib
import http.client
import json
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

try:
    from huggingface_hub import HfApi
    from huggingface_hub.utils import filter_repo_objects

    try:
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    except ImportError:  # huggingface_hub < 0.24
        from huggingface_hub.utils import (  # type: ignore[no-redef]
            GatedRepoError,
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    HAS_HF = True
except ImportError:
    HAS_HF = False

CHUNK = 4 * 1024 * 1024
RECORD_DIR = "gpuops"
TERMINATION_LOG = "/dev/termination-log"


def _say(message):
    # This script runs as the Job's process, not as an Ansible module: its log is its stdout.
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


EXIT = {"hub": 2, "verify": 3, "disk_full": 4, "error": 1}


class SeedError(Exception):
    """A failure with the reason the Job reports (hub, verify, disk_full, error)."""

    def __init__(self, reason, message):
        super(SeedError, self).__init__(message)
        self.reason = reason


def repo_folder(repo_id):
    return "models--" + repo_id.replace("/", "--")


def git_blob_id(path):
    digest = hashlib.sha1(b"blob %d\0" % os.path.getsize(path), usedforsecurity=False)
    _hash_file(path, digest)
    return digest.hexdigest()


def _hash_file(path, digest, limit=None):
    with open(path, "rb") as handle:
        remaining = limit
        while remaining is None or remaining > 0:
            chunk = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
            if not chunk:
                break
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    return digest


class _NoAuthOffHub(urllib.request.HTTPRedirectHandler):
    """Follow redirects but drop the token when they leave the Hub's host (signed CDN URLs refuse it)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = urllib.request.HTTPRedirectHandler.redirect_request(self, req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            new.remove_header("Authorization")
        return new


class _SizeOnly(object):
    """Stands in for a hash when --verify size: nothing is hashed and check() compares sizes only."""

    def update(self, _data):
        pass

    def hexdigest(self):
        return None


class Entry(object):
    """One file of the commit with what the Hub says about it."""

    def __init__(self, path, size, blob_id, sha256=None, hash_check=True):
        self.hash_check = hash_check
        self.path = path
        self.size = int(size)
        self.blob_id = blob_id
        self.sha256 = sha256  # set for LFS files

    @property
    def etag(self):
        return self.sha256 or self.blob_id

    def hasher(self):
        """A fresh hash of the kind the Hub publishes for this file (sha256 for LFS, git blob sha1 otherwise)."""
        if not self.hash_check:
            return _SizeOnly()
        if self.sha256:
            return hashlib.sha256()
        return hashlib.sha1(b"blob %d\0" % self.size, usedforsecurity=False)

    def check(self, size, digest):
        """None when `size` and the hex `digest` (from hasher()) match the Hub, else why not."""
        if size != self.size:
            return "size %d != %d" % (size, self.size)
        if not self.hash_check:
            return None
        expected = self.sha256 or self.blob_id
        return (
            None
            if digest == expected
            else "%s %s != %s" % ("sha256" if self.sha256 else "git blob id", digest, expected)
        )

    def verify(self, local):
        """None when `local` holds this file, else why not."""
        if not os.path.isfile(local):
            return "missing"
        size = os.path.getsize(local)
        if size != self.size:
            return "size %d != %d" % (size, self.size)
        if not self.hash_check:
            return None
        if self.sha256:
            actual = _hash_file(local, hashlib.sha256()).hexdigest()
            return None if actual == self.sha256 else "sha256 %s != %s" % (actual, self.sha256)
        actual = git_blob_id(local)
        return None if actual == self.blob_id else "git blob id %s != %s" % (actual, self.blob_id)


class JobDownloader(object):
    """Seeds one revision; `free_bytes` and `opener` are injectable for tests."""

    def __init__(self, args, log=None, free_bytes=None, opener=None):
        self.args = args
        self.log = log or _say
        self.endpoint = (args.endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
        self.token = os.environ.get("HF_TOKEN") or None
        self.cache = args.cache_dir
        self.storage = os.path.join(self.cache, repo_folder(args.repo_id))
        self.free_bytes = free_bytes or (lambda path: shutil.disk_usage(path).free)
        self.opener = opener or urllib.request.build_opener(_NoAuthOffHub)
        self.stats = {"downloaded_bytes": 0, "resumed_bytes": 0, "kept_files": 0, "fetched_files": 0, "refetched": []}
        self._stats_lock = threading.Lock()  # files are seeded by several threads

    def _count(self, key, amount=1):
        with self._stats_lock:
            if isinstance(self.stats[key], list):
                self.stats[key].append(amount)
            else:
                self.stats[key] += amount

    # --- Hub metadata through huggingface_hub ------------------------------------------------------------------
    def resolve(self):
        api = HfApi(endpoint=self.endpoint, token=self.token or False)
        try:
            # --commit pins the exact commit the controller resolved; --revision still names the ref to write.
            info = api.model_info(self.args.repo_id, revision=self.args.commit or self.args.revision)
            tree = api.list_repo_tree(self.args.repo_id, revision=info.sha, recursive=True)
            files = [f for f in tree if f.__class__.__name__ == "RepoFile"]
        except GatedRepoError as exc:
            raise SeedError(
                "hub",
                "%s is gated: set a token of an account that was granted access (%s)"
                % (self.args.repo_id, _first_line(exc)),
            ) from exc
        except RevisionNotFoundError as exc:
            raise SeedError(
                "hub", "revision %s not found in %s (%s)" % (self.args.revision, self.args.repo_id, _first_line(exc))
            ) from exc
        except RepositoryNotFoundError as exc:
            raise SeedError(
                "hub",
                "repository %s not found, private, or the token is not allowed (%s)"
                % (self.args.repo_id, _first_line(exc)),
            ) from exc
        except HfHubHTTPError as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status == 401:
                raise SeedError(
                    "hub",
                    "the Hub refused the token (401 Unauthorized): check the token Secret (%s)" % (_first_line(exc)),
                ) from exc
            raise SeedError("hub", "Hub request failed: %s" % _first_line(exc)) from exc
        files = list(
            filter_repo_objects(
                files,
                allow_patterns=self.args.allow_pattern or None,
                ignore_patterns=self.args.ignore_pattern or None,
                key=lambda f: f.path,
            )
        )
        hash_check = self.args.verify == "hash"
        entries = [Entry(f.path, f.size, f.blob_id, f.lfs.sha256 if f.lfs else None, hash_check) for f in files]
        return info.sha, bool(getattr(info, "gated", False)), entries

    # --- transfer ----------------------------------------------------------------------------------------------
    def _url(self, commit, path):
        return "%s/%s/resolve/%s/%s" % (self.endpoint, self.args.repo_id, commit, urllib.parse.quote(path))

    def _open(self, url, offset):
        request = urllib.request.Request(url)  # noqa: S310 - run() accepts http(s) endpoints only
        if self.token:
            request.add_header("Authorization", "Bearer %s" % self.token)
        request.add_header("Accept-Encoding", "identity")
        if offset:
            request.add_header("Range", "bytes=%d-" % offset)
        try:
            return self.opener.open(request, timeout=self.args.timeout)
        except urllib.error.HTTPError as exc:
            code = exc.headers.get("X-Error-Code") or ""
            message = exc.headers.get("X-Error-Message") or exc.reason
            if code == "GatedRepo" or (exc.code in (401, 403) and self.token is None):
                raise SeedError(
                    "hub",
                    "%s: HTTP %d %s %s: the model is gated or private; provide a token"
                    % (url, exc.code, code, message),
                ) from exc
            raise SeedError("hub", "%s: HTTP %d %s %s" % (url, exc.code, code, message)) from exc

    def _fetch(self, commit, entry, partial):
        """Append the missing bytes of `entry` to `partial`, resuming after a cut connection.

        Hashes while writing (the bytes already on disk are hashed once, before resuming), so a fresh download is
        read once; returns the hex digest of the whole file.
        """
        attempts = 0
        digest, hashed = entry.hasher(), 0
        while True:
            offset = os.path.getsize(partial) if os.path.exists(partial) else 0
            if offset > entry.size:
                os.unlink(partial)
                offset = 0
            if hashed != offset:
                digest, hashed = _hash_file(partial, entry.hasher(), offset), offset
            if offset == entry.size:
                return digest.hexdigest()
            try:
                response = self._open(self._url(commit, entry.path), offset)
                with response:
                    resuming = bool(offset) and response.status == 206
                    if offset and not resuming:  # the server ignored Range: start over
                        digest, hashed = entry.hasher(), 0
                    if resuming:
                        self._count("resumed_bytes", offset)
                    with open(partial, "ab" if resuming else "wb") as out:
                        while True:
                            chunk = response.read(CHUNK)
                            if not chunk:
                                break
                            out.write(chunk)
                            digest.update(chunk)
                            hashed += len(chunk)
                            self._count("downloaded_bytes", len(chunk))
                if hashed >= entry.size:
                    return digest.hexdigest()
                raise IOError("connection closed early")
            except SeedError:
                raise
            except (OSError, http.client.HTTPException) as exc:
                if getattr(exc, "errno", None) == errno.ENOSPC:
                    raise SeedError(
                        "disk_full",
                        "No space left on the cache volume while writing %s: grow the PVC (%s)" % (entry.path, exc),
                    ) from exc
                attempts += 1
                if attempts > self.args.retries:
                    raise SeedError(
                        "error", "download of %s failed after %d attempts: %s" % (entry.path, attempts, exc)
                    ) from exc
                self.log("retry %s after: %s" % (entry.path, exc))
                time.sleep(min(0.2 * attempts, 2.0))

    def _seed_file(self, commit, entry):
        blob = os.path.join(self.storage, "blobs", entry.etag)
        pointer = os.path.join(self.storage, "snapshots", commit, *entry.path.split("/"))
        problem = entry.verify(blob) if os.path.exists(blob) else "missing"
        if problem is None:
            self._count("kept_files")
        else:
            if problem != "missing":
                self.log("refetch %s: %s" % (entry.path, problem))
                self._count("refetched", entry.path)
                os.unlink(blob)
            partial = blob + ".incomplete"
            for attempt in (1, 2):
                digest = self._fetch(commit, entry, partial)
                problem = entry.check(os.path.getsize(partial), digest)
                if problem is None:
                    break
                os.unlink(partial)  # corrupt in transit: start over once
                if attempt == 2:
                    raise SeedError("verify", "%s does not match the Hub after download: %s" % (entry.path, problem))
            os.replace(partial, blob)
            self._count("fetched_files")
            self.log("fetched %s (%d bytes)" % (entry.path, entry.size))
        target = os.path.relpath(blob, os.path.dirname(pointer))
        if not (os.path.islink(pointer) and os.readlink(pointer) == target):
            os.makedirs(os.path.dirname(pointer), exist_ok=True)
            if os.path.lexists(pointer):
                os.unlink(pointer)
            os.symlink(target, pointer)

    def _check_space(self, entries):
        needed = 0
        for entry in entries:
            blob = os.path.join(self.storage, "blobs", entry.etag)
            if os.path.exists(blob) and os.path.getsize(blob) == entry.size:
                continue
            partial = blob + ".incomplete"
            needed += entry.size - (os.path.getsize(partial) if os.path.exists(partial) else 0)
        free = self.free_bytes(self.cache)
        if needed > free:
            raise SeedError(
                "disk_full",
                "No space left on the cache volume: %.2f GiB to download, %.2f GiB free; "
                "grow the PVC" % (needed / 1024.0**3, free / 1024.0**3),
            )

    def run(self):
        if not HAS_HF:
            raise SeedError("error", "huggingface_hub is not installed in the Job image")
        if urllib.parse.urlsplit(self.endpoint).scheme not in ("http", "https"):
            raise SeedError("error", "HF_ENDPOINT must be an http(s) URL, got %r" % self.endpoint)
        started = time.monotonic()
        commit, gated, entries = self.resolve()
        if not entries:
            raise SeedError("hub", "no file of %s@%s matches the allow/ignore patterns" % (self.args.repo_id, commit))
        if gated and not self.token:
            raise SeedError("hub", "%s is gated and no token was given: set the token Secret" % self.args.repo_id)
        for sub in ("blobs", "refs", os.path.join("snapshots", commit)):
            os.makedirs(os.path.join(self.storage, sub), exist_ok=True)
        self._check_space(entries)
        workers = max(1, min(self.args.workers, len(entries)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            ordered = sorted(entries, key=lambda e: -e.size)
            for future in [pool.submit(self._seed_file, commit, entry) for entry in ordered]:
                future.result()
        if self.args.revision != commit:
            with open(os.path.join(self.storage, "refs", self.args.revision.replace("/", os.sep)), "w") as ref:
                ref.write(commit)
        record = {
            "ok": True,
            "model": self.args.repo_id,
            "revision": self.args.revision,
            "commit": commit,
            "files": len(entries),
            "bytes": sum(e.size for e in entries),
            "downloaded_bytes": self.stats["downloaded_bytes"],
            "kept_files": self.stats["kept_files"],
            "fetched_files": self.stats["fetched_files"],
            "refetched_files": len(self.stats["refetched"]),
            "seconds": round(time.monotonic() - started, 3),
            "seeded_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "verified": "size+sha256 (LFS), size+git-blob-sha1 (other files)"
            if self.args.verify == "hash"
            else "size only",
        }
        self._write_record(record)
        return record

    def record_path(self):
        """Next to the hub cache (``$HF_HOME/gpuops``), so that ``hf cache scan`` does not see a foreign folder."""
        cache = os.path.normpath(self.cache)
        base = os.path.dirname(cache) if os.path.basename(cache) == "hub" else cache
        return os.path.join(base, RECORD_DIR, repo_folder(self.args.repo_id) + ".json")

    def _write_record(self, record):
        path = self.record_path()
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        with open(path + ".tmp", "w") as out:
            json.dump(record, out, sort_keys=True)
        os.replace(path + ".tmp", path)


def _first_line(exc):
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


def parse_args(argv=None):
    hf_home = os.environ.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface")
    parser = argparse.ArgumentParser(description="Seed a model revision into a Hugging Face cache.")
    parser.add_argument("--repo-id", required=True)
    parser.add_argument("--revision", default="main")
    parser.add_argument("--commit", default=None, help="the commit --revision must resolve to (seeds exactly this)")
    parser.add_argument("--cache-dir", default=os.environ.get("HF_HUB_CACHE") or os.path.join(hf_home, "hub"))
    parser.add_argument("--endpoint", default=None, help="defaults to $HF_ENDPOINT")
    parser.add_argument("--allow-pattern", action="append", default=[])
    parser.add_argument("--ignore-pattern", action="append", default=[])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--verify",
        choices=("hash", "size"),
        default="hash",
        help="hash (default): size and sha256/git blob id of every file; size: sizes only (benchmarks, trusted copies)",
    )
    parser.add_argument("--retries", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--termination-log", default=os.environ.get("GPUOPS_TERMINATION_LOG", TERMINATION_LOG))
    return parser.parse_args(argv)


def _emit(line, termination_log):
    _say(line)
    try:
        with open(termination_log, "w") as out:
            out.write(line)
    except OSError:
        pass  # not in a pod, or the path is not writable: the log line is enough


def main(argv=None):
    args = parse_args(argv)
    try:
        record = JobDownloader(args, log=_say).run()
    except SeedError as exc:
        _say("ERROR: %s" % exc)
        _emit(json.dumps({"ok": False, "reason": exc.reason, "error": str(exc)}, sort_keys=True), args.termination_log)
        return EXIT[exc.reason]
    _emit(json.dumps(record, sort_keys=True), args.termination_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
