"""HTTP side of the Hugging Face Hub fake.

Speaks the part of the Hub that huggingface_hub 2.x uses to resolve a revision and download a snapshot
(read from huggingface_hub/hf_api.py, file_download.py and utils/_http.py):

* ``GET /api/models/{repo}`` and ``/api/models/{repo}/revision/{rev}``: ``id``, ``sha``, ``siblings``,
  ``gated``, ``private`` (``?blobs=true`` adds sizes and LFS data to siblings).
* ``GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=true``: files with ``oid``, ``size`` and ``lfs``.
* ``HEAD``/``GET /{repo}/resolve/{rev}/{path}``: ``ETag`` (git blob id, or sha256 for LFS), ``X-Repo-Commit``,
  ``X-Linked-Etag``/``X-Linked-Size`` for LFS files, ``Content-Length``, ``Accept-Ranges`` and ``Range`` (206).
* Errors carry ``X-Error-Code`` (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and
  ``X-Error-Message``, which is how ``hf_raise_for_status`` picks the exception class.

Limits: one page of tree listing (no ``Link`` pagination), no Xet, no redirects to a CDN, model repos only.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.harness.hf_fake.repo import Repo, RepoFile

API_RE = re.compile(
    r"^/api/models/(?P<repo>[^/]+/[^/]+)(?:/(?P<kind>revision|tree)/(?P<rev>[^/]+)(?:/(?P<path>.*))?)?$"
)
RESOLVE_RE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$")
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 1024 * 1024


@dataclass
class Cut:
    """Close the connection after `after` bytes of the body of `path` (then forget, when `once`)."""

    path: str
    after: int
    once: bool = True


@dataclass
class HubState:
    repos: dict[str, Repo] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)  # tokens that may read gated and private repos
    cuts: list[Cut] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)

    def take_cut(self, path: str) -> Cut | None:
        with self.lock:
            for cut in self.cuts:
                if cut.path == path:
                    if cut.once:
                        self.cuts.remove(cut)
                    return cut
        return None


class HubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hf-fake/1"
    state: HubState  # set on the subclass built by HubServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read state.requests instead."""

    # --- helpers -----------------------------------------------------------------------------------------------
    def _token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else None

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str | None, message: str, commit: str | None = None) -> None:
        headers = {"Content-Type": "application/json", "X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        if commit:
            headers["X-Repo-Commit"] = commit
        self._send(status, json.dumps({"error": message}).encode(), headers)

    def _json(self, payload: Any, commit: str | None = None) -> None:
        headers = {"Content-Type": "application/json"}
        if commit:
            headers["X-Repo-Commit"] = commit
        self._send(200, json.dumps(payload).encode(), headers)

    def _repo(self, repo_id: str, download: bool) -> Repo | None:
        """The repo if this caller may see it (download: may read files); otherwise send the Hub's error."""
        repo = self.state.repos.get(repo_id)
        token = self._token()
        authorised = token is not None and token in self.state.tokens
        if token is not None and not authorised:
            self._error(401, None, "Invalid credentials in Authorization header")
            return None
        if repo is None or (repo.private and not authorised):
            # The Hub answers 401 to anonymous callers for a missing repo, so that private repos do not leak.
            self._error(401 if token is None else 404, "RepoNotFound", "Repository not found")
            return None
        if download and repo.gated and not authorised:
            message = f"Access to model {repo_id} is restricted. You must have access to it and be authenticated."
            self._error(401, "GatedRepo", message)
            return None
        return repo

    def _commit(self, repo: Repo, revision: str) -> str | None:
        commit = repo.resolve(unquote(revision))
        if commit is None:
            self._error(404, "RevisionNotFound", f"Invalid rev id: {unquote(revision)}")
        return commit

    # --- verbs -------------------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        entry = {"method": self.command, "path": url.path, "range": self.headers.get("Range"), "sent": 0}
        self.state.record(entry)
        if match := API_RE.match(url.path):
            self._api(match, parse_qs(url.query))
        elif match := RESOLVE_RE.match(url.path):
            self._resolve(match, entry)
        else:
            self._error(404, None, "Not found")

    def _api(self, match: re.Match, query: dict[str, list[str]]) -> None:
        repo = self._repo(match["repo"], download=False)
        if repo is None:
            return
        commit = self._commit(repo, match["rev"] or "main")
        if commit is None:
            return
        files = repo.commits[commit]
        if match["kind"] == "tree":
            self._tree(files, unquote(match["path"] or ""), query.get("recursive", ["false"])[0] == "true", commit)
            return
        blobs = query.get("blobs", ["false"])[0].lower() == "true"
        siblings = []
        for item in files.values():
            sibling: dict[str, Any] = {"rfilename": item.path}
            if blobs:
                sibling.update({"size": len(item.data), "blobId": item.blob_id})
                if item.lfs:
                    sibling["lfs"] = item.tree_entry()["lfs"] | {"sha256": item.sha256}
            siblings.append(sibling)
        payload = {
            "_id": commit[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "sha": commit,
            "private": repo.private,
            "gated": "manual" if repo.gated else False,
            "disabled": False,
            "siblings": siblings,
            "usedStorage": sum(len(f.data) for f in files.values()),
        }
        self._json(payload, commit)

    def _tree(self, files: dict[str, RepoFile], prefix: str, recursive: bool, commit: str) -> None:
        prefix = prefix.strip("/")
        base = prefix + "/" if prefix else ""
        out: list[dict[str, Any]] = []
        folders: set[str] = set()
        for path, item in files.items():
            if not path.startswith(base):
                continue
            rest = path[len(base) :]
            parts = rest.split("/")
            for depth in range(1, len(parts)):
                folder = base + "/".join(parts[:depth])
                if folder not in folders and (recursive or depth == 1):
                    folders.add(folder)
                    out.append({"type": "directory", "oid": "0" * 40, "size": 0, "path": folder})
            if recursive or len(parts) == 1:
                out.append(item.tree_entry())
        if prefix and not out:
            self._error(404, "EntryNotFound", f"{prefix} does not exist on {commit}", commit)
            return
        self._json(out, commit)

    def _resolve(self, match: re.Match, entry: dict[str, Any]) -> None:
        repo = self._repo(match["repo"], download=True)
        if repo is None:
            return
        commit = self._commit(repo, match["rev"])
        if commit is None:
            return
        path = unquote(match["path"])
        item = repo.commits[commit].get(path)
        if item is None:
            self._error(404, "EntryNotFound", f"Entry not found: {path}", commit)
            return
        headers = {
            "X-Repo-Commit": commit,
            "ETag": f'"{item.etag}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if item.lfs:
            headers["X-Linked-Etag"] = f'"{item.sha256}"'
            headers["X-Linked-Size"] = str(len(item.data))
        start, end = 0, len(item.data) - 1
        status = 200
        if (wanted := self.headers.get("Range")) and (rng := RANGE_RE.match(wanted.strip())):
            if rng[1]:
                start = int(rng[1])
                end = min(int(rng[2]), end) if rng[2] else end
            else:
                start = max(len(item.data) - int(rng[2]), 0)
            if start >= len(item.data) and len(item.data) > 0:
                headers["Content-Range"] = f"bytes */{len(item.data)}"
                self._send(416, b"", headers)
                return
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{len(item.data)}"
        self._stream(status, headers, item, start, end, entry)

    def _stream(self, status: int, headers: dict[str, str], item: RepoFile, start: int, end: int, entry: dict) -> None:
        length = max(end - start + 1, 0)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        cut = self.state.take_cut(item.path)
        limit = length if cut is None else max(min(cut.after - start, length), 0)
        view = memoryview(item.data)
        pos = start
        while pos < start + limit:
            chunk = view[pos : min(pos + CHUNK, start + limit)]
            # Count before writing: the client may have read the last byte before this thread runs again.
            entry["sent"] = pos + len(chunk) - start
            try:
                self.wfile.write(chunk)
            except OSError:
                entry["sent"] = pos - start
                raise
            pos += len(chunk)
        if cut is not None:
            # An interrupted transfer: flush what was sent and drop the connection mid-body.
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)


class HubServer:
    """A running fake Hub on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(self, state: HubState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state or HubState()
        handler = type("BoundHubHandler", (HubHandler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="hf-fake", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test controls -----------------------------------------------------------------------------------------
    def add_repo(self, repo_id: str, files: dict[str, bytes], gated: bool = False, private: bool = False) -> str:
        """Create (or extend) a repo with a commit holding `files` on main; returns the commit id."""
        repo = self.state.repos.setdefault(repo_id, Repo(repo_id=repo_id, gated=gated, private=private))
        return repo.commit(files)

    def add(self, repo: Repo) -> None:
        self.state.repos[repo.repo_id] = repo

    def allow_token(self, token: str) -> None:
        self.state.tokens.add(token)

    def cut(self, path: str, after: int, once: bool = True) -> None:
        self.state.cuts.append(Cut(path=path, after=after, once=once))

    def body_bytes(self, path_suffix: str = "") -> int:
        """Body bytes sent for resolve/ GETs whose path ends with `path_suffix`."""
        return sum(
            r["sent"] for r in self.state.requests if "/resolve/" in r["path"] and r["path"].endswith(path_suffix)
        )

    def reset_log(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
