"""The collection tarball ships the collection, not the checkout's settings or placeholder links."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# Files that configure a checkout (collections path, lint profile, CI, tests); never part of an installed collection.
CHECKOUT_ONLY = {"ansible.cfg", ".ansible-lint", "Makefile", "pyproject.toml", ".gitignore"}
CHECKOUT_ONLY_DIRS = {".ci", ".config", "tests/harness", "molecule", "inventories", "collections", "scripts", "build"}


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "build", "--output-path", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [path] = out.glob("gpuops-llm_inference-*.tar.gz")
    with tarfile.open(path) as tar:
        return tar.getnames()


def test_the_tarball_ships_no_checkout_settings(tarball: list[str]) -> None:
    names = {name.removeprefix("./") for name in tarball}
    assert names & CHECKOUT_ONLY == set()
    assert [n for n in names if any(n == d or n.startswith(d + "/") for d in CHECKOUT_ONLY_DIRS)] == []


def test_the_tarball_ships_the_roles_plugins_and_playbooks(tarball: list[str]) -> None:
    names = {name.removeprefix("./") for name in tarball}
    for expected in (
        "MANIFEST.json",
        "roles/vllm/tasks/main.yml",
        "roles/helm_release/tasks/main.yml",
        "plugins/modules/model_cache.py",
        "plugins/action/k8s.py",
        "plugins/action/model_cache.py",
        "files/job_downloader.py",
        "playbooks/site.yml",
        "meta/runtime.yml",
    ):
        assert expected in names


def test_galaxy_links_are_real_or_empty() -> None:
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    for key in ("repository", "issues", "documentation", "homepage"):
        value = galaxy.get(key) or ""
        assert value == "" or value.startswith("https://"), key
        assert "example" not in value and "invalid" not in value, key
