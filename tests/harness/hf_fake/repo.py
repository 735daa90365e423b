"""In-memory model repositories for the Hugging Face Hub fake: files, commits, refs and git/LFS ids."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

# The Hub stores these through LFS whatever their size; others become LFS above the Hub's 10 MB limit.
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".h5", ".msgpack", ".onnx")
LFS_MIN_SIZE = 10 * 1024 * 1024


def git_blob_id(data: bytes) -> str:
    """The git object id of a blob, which the Hub reports as `oid` and ETag of non-LFS files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return b"version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (sha256.encode(), size)


@dataclass
class RepoFile:
    path: str
    data: bytes
    lfs: bool
    blob_id: str = ""
    sha256: str = ""

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        # For an LFS file, git stores the pointer: the tree's oid is the pointer's blob id.
        stored = lfs_pointer(self.sha256, len(self.data)) if self.lfs else self.data
        self.blob_id = git_blob_id(stored)

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.blob_id

    def tree_entry(self) -> dict:
        entry: dict = {"type": "file", "oid": self.blob_id, "size": len(self.data), "path": self.path}
        if self.lfs:
            pointer = lfs_pointer(self.sha256, len(self.data))
            entry["size"] = len(self.data)
            entry["lfs"] = {"oid": self.sha256, "size": len(self.data), "pointerSize": len(pointer)}
        return entry


@dataclass
class Repo:
    repo_id: str
    gated: bool = False
    private: bool = False
    commits: dict[str, dict[str, RepoFile]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    def commit(self, files: dict[str, bytes], ref: str = "main", lfs: set[str] | None = None) -> str:
        """Record a commit holding exactly `files`, point `ref` at it and return its 40-hex id."""
        entries = {}
        for path, data in sorted(files.items()):
            is_lfs = path in lfs if lfs is not None else (path.endswith(LFS_SUFFIXES) or len(data) >= LFS_MIN_SIZE)
            entries[path] = RepoFile(path=path, data=data, lfs=is_lfs)
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(self.repo_id.encode())
        digest.update(str(len(self.commits)).encode())
        for path, entry in entries.items():
            digest.update(b"%s %s\n" % (path.encode(), entry.blob_id.encode()))
        sha = digest.hexdigest()
        self.commits[sha] = entries
        self.refs[ref] = sha
        return sha

    def resolve(self, revision: str) -> str | None:
        if revision in self.commits:
            return revision
        return self.refs.get(revision)


def load_repo_dir(root: Path) -> list[Repo]:
    """Turn `root/<org>/<name>/...` into one repo per `<org>/<name>`, with its files committed on main."""
    repos = []
    for org in sorted(p for p in root.iterdir() if p.is_dir()):
        for name in sorted(p for p in org.iterdir() if p.is_dir()):
            repo = Repo(repo_id=f"{org.name}/{name.name}", gated=(name / ".gated").exists())
            files = {}
            for dirpath, _dirs, filenames in os.walk(name):
                for filename in filenames:
                    full = Path(dirpath) / filename
                    rel = full.relative_to(name).as_posix()
                    if rel != ".gated":
                        files[rel] = full.read_bytes()
            repo.commit(files)
            repos.append(repo)
    return repos
