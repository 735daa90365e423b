"""The loopback chart repository of the bundled test cluster: real charts packaged from ../shared/upstream.

    python -m tests.harness.chart_repo serve --dir DIR     (started by tests/harness/launch.py)

`build()` makes one chart per catalog entry of tests/harness/upstream.py out of the upstream data files only
(Chart.yaml, values.yaml, values.schema.json, files/, and the CRDs in crds/), packages it with the real
`helm package` and writes the repository index with `helm repo index`. No chart holds a template, so a release
renders no workload: what the real helm does with these charts is validate values against values.schema.json,
install the crds/ folder and store the release.

CRDs that upstream renders from templates (cert-manager's `crds.enabled`, kube-prometheus-stack, KEDA, the Istio
base chart's files/crd-all.gen.yaml, authorino-operator) are put in the packaged chart's crds/ folder: that is data,
not a template, so helm installs them on the first install whatever the values say, never upgrades them and never
deletes them (see tests/harness/README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from tests.harness import upstream

URL_FILE = "charts_url"
DIR_NAME = "charts"
UNPACKED_DIR = "chart-dirs"
# Charts a role installs from a path rather than a repository (an OCI reference upstream): unpacked so the path's
# basename is the chart name, which is how kubernetes.core.helm and the helm_release role's diff name the chart.
BY_PATH = ("cert-manager-webhook-desec-http",)


class ChartRepoError(RuntimeError):
    """A chart could not be packaged; the message names the chart and carries helm's output."""


def _norm(version: str) -> str:
    return version[1:] if version.startswith("v") else version


def packaged_version(source: upstream.ChartSource, upstream_version: str) -> str:
    """The upstream Chart.yaml version when it is one the catalog pins, else the pinned one (placeholders)."""
    pinned = {_norm(v) for v in source.versions}
    return upstream_version if _norm(upstream_version) in pinned else source.versions[0]


def _chart_metadata(source: upstream.ChartSource, chart_dir: Path) -> dict[str, object]:
    metadata = yaml.safe_load((chart_dir / "Chart.yaml").read_text(encoding="utf-8"))
    metadata["version"] = packaged_version(source, str(metadata.get("version", "")))
    # The subcharts (grafana, node-feature-discovery, ...) are not in the upstream data; helm refuses a chart whose
    # declared dependencies are missing from charts/, so the packaged copy declares none.
    metadata.pop("dependencies", None)
    return metadata


def _crd_files(source: upstream.ChartSource, root: Path, chart_dir: Path) -> list[Path]:
    files = sorted((chart_dir / "crds").glob("*.yaml")) if (chart_dir / "crds").is_dir() else []
    for pattern in source.crd_globs:
        files.extend(p for p in sorted(root.glob(pattern)) if p not in files)
    return files


def stage_chart(source: upstream.ChartSource, root: Path, dest: Path) -> Path:
    """Copy one chart's upstream data files into dest/<name> (Chart.yaml rewritten as above); returns the folder."""
    chart_dir = root / source.chart_dir
    metadata = _chart_metadata(source, chart_dir)
    staged = dest / str(metadata["name"])
    staged.mkdir(parents=True)
    (staged / "Chart.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False), encoding="utf-8")
    for name in ("values.yaml", "values.schema.json"):
        if (chart_dir / name).is_file():
            shutil.copyfile(chart_dir / name, staged / name)
    if (chart_dir / "files").is_dir():
        shutil.copytree(chart_dir / "files", staged / "files")
    crds = _crd_files(source, root, chart_dir)
    if crds:
        (staged / "crds").mkdir()
        for path in crds:
            shutil.copyfile(path, staged / "crds" / path.name)
    return staged


def _helm(helm: Path, *args: str) -> None:
    result = subprocess.run([str(helm), *args], capture_output=True, text=True, check=False, env={"LC_ALL": "C"})
    if result.returncode != 0:
        raise ChartRepoError(f"Failed to run helm {' '.join(args)}: {(result.stderr or result.stdout).strip()}")


def build(dest: Path, helm: Path, root: Path) -> list[Path]:
    """Package every catalog chart into dest and index it; returns the packaged archives."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="charts-") as work:
        for position, source in enumerate(upstream.CATALOG):
            staged = stage_chart(source, root, Path(work) / str(position))
            try:
                _helm(helm, "package", str(staged), "--destination", str(dest))
            except ChartRepoError as err:
                raise ChartRepoError(f"Failed to package chart {source.chart_dir}: {err}") from err
    _helm(helm, "repo", "index", str(dest))
    return sorted(dest.glob("*.tgz"))


def cached_build(helm: Path, root: Path) -> Path:
    """The packaged repository for this helm, upstream folder and catalog, built once and shared by every launch.

    Every test cluster would otherwise spend a second packaging the same charts; the cache key changes with the
    upstream folder, the helm binary and this harness code, and a build is renamed into place only when complete.
    """
    key = hashlib.sha256()
    for part in (str(root.resolve()), str(helm.resolve()), str(helm.stat().st_mtime_ns)):
        key.update(part.encode())
    for module in (Path(__file__), Path(upstream.__file__)):
        key.update(module.read_bytes())
    cache = Path(tempfile.gettempdir()) / f"gpuops-charts-{os.getuid()}" / key.hexdigest()[:16]
    if (cache / "index.yaml").is_file():
        return cache
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial_dir = Path(tempfile.mkdtemp(prefix="build-", dir=cache.parent))
    try:
        build(partial_dir, helm, root)
        partial_dir.rename(cache)
    except OSError:
        if not (cache / "index.yaml").is_file():  # a parallel launch finished first: use its build
            raise
    finally:
        shutil.rmtree(partial_dir, ignore_errors=True)
    return cache


def unpack(repository: Path, dest: Path) -> None:
    """Unpack the BY_PATH charts of a repository into dest/<chart name>/."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in BY_PATH:
        for archive in repository.glob(f"{name}-[0-9v]*.tgz"):
            with tarfile.open(archive) as bundle:
                bundle.extractall(dest, filter="data")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def serve(directory: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
    print(f"ready http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.harness.chart_repo")
    parser.add_argument("action", choices=["serve"])
    parser.add_argument("--dir", required=True, type=Path)
    args = parser.parse_args(argv)
    serve(args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
