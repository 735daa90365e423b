"""Commands that never touch the cluster: version, plugin, repo, show, dependency."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.harness import upstream

from . import charts
from .args import Invocation, UsageError
from .output import emit, output_format, table, to_yaml

# A released Helm 3 version newer than every minimum kubernetes.core 6.2 checks (3.17 is the highest).
HELM_VERSION = "v3.19.0"
GIT_COMMIT = "3d8990f0836691f0229297773f3524598f46bda6"
GO_VERSION = "go1.24.7"


def version(invocation: Invocation) -> int:
    if invocation.bool("short"):
        print(f"{HELM_VERSION}+g{GIT_COMMIT[:7]}")
    elif invocation.value("template"):
        template = invocation.value("template") or ""
        print(template.replace("{{.Version}}", HELM_VERSION).replace("{{ .Version }}", HELM_VERSION))
    else:
        print(
            f'version.BuildInfo{{Version:"{HELM_VERSION}", GitCommit:"{GIT_COMMIT}", '
            f'GitTreeState:"clean", GoVersion:"{GO_VERSION}"}}'
        )
    return 0


def plugin_list(_invocation: Invocation) -> int:
    # kubernetes.core.helm treats an empty answer as a failure, so print Helm's header.
    print("NAME\tVERSION\tDESCRIPTION")
    return 0


def _repo_config(invocation: Invocation) -> Path:
    return charts.repository_config_path(invocation.value("repository-config"))


def repo_add(invocation: Invocation) -> int:
    if len(invocation.positionals) != 2:
        raise UsageError('"helm repo add" requires 2 arguments\n\nUsage:  helm repo add [NAME] [URL] [flags]')
    name, url = invocation.positionals
    path = _repo_config(invocation)
    with charts.repositories_lock(path):
        return _add(invocation, path, name, url)


def _add(invocation: Invocation, path: Path, name: str, url: str) -> int:
    repositories = charts.load_repositories(path)
    existing = next((r for r in repositories if r.get("name") == name), None)
    entry = charts.repository_entry(
        name,
        url,
        invocation.value("username"),
        invocation.bool("insecure-skip-tls-verify"),
        invocation.bool("pass-credentials"),
    )
    if existing is not None and not invocation.bool("force-update"):
        if existing.get("url") == url:
            print(f'"{name}" already exists with the same configuration, skipping')
            return 0
        raise UsageError(f"repository name ({name}) already exists, please specify a different name")
    repositories = [r for r in repositories if r.get("name") != name] + [entry]
    charts.save_repositories(path, repositories)
    print(f'"{name}" has been added to your repositories')
    return 0


def repo_list(invocation: Invocation) -> int:
    chosen = output_format(invocation)
    repositories = charts.load_repositories(_repo_config(invocation))
    if not repositories:
        raise UsageError("no repositories to show")
    entries = [{"name": r["name"], "url": r["url"]} for r in repositories]
    if chosen == "table":
        table(["NAME", "URL"], [[e["name"], e["url"]] for e in entries])
    else:
        emit(entries, chosen)
    return 0


def repo_update(invocation: Invocation) -> int:
    repositories = charts.load_repositories(_repo_config(invocation))
    if not repositories:
        raise UsageError("no repositories found. You must add one before updating")
    wanted = invocation.positionals or [r["name"] for r in repositories]
    known = {r["name"] for r in repositories}
    missing = [n for n in wanted if n not in known]
    if missing:
        raise UsageError(f"no repositories found matching '{', '.join(missing)}'.  Nothing will be updated")
    print("Hang tight while we grab the latest from your chart repositories...")
    for name in wanted:
        # Nothing is fetched: there is no network, and charts are answered from upstream data.
        print(f'...Successfully got an update from the "{name}" chart repository')
    print("Update Complete. ⎈Happy Helming!⎈")
    return 0


def repo_remove(invocation: Invocation) -> int:
    if not invocation.positionals:
        raise UsageError('"helm repo remove" requires at least 1 argument')
    path = _repo_config(invocation)
    with charts.repositories_lock(path):
        for name in invocation.positionals:
            repositories = charts.load_repositories(path)
            if not any(r.get("name") == name for r in repositories):
                raise UsageError(f'no repo named "{name}" found')
            charts.save_repositories(path, [r for r in repositories if r.get("name") != name])
            print(f'"{name}" has been removed from your repositories')
    return 0


def _chart_for(invocation: Invocation) -> charts.Chart:
    if len(invocation.positionals) != 1:
        raise UsageError(f'"helm {invocation.name}" requires 1 argument')
    chart = charts.resolve(
        invocation.positionals[0], invocation.value("version"), invocation.value("repo"), _repo_config(invocation)
    )
    if not chart.checked and chart.local_dir is None:
        charts.notice(f"no upstream data for {chart.name} {chart.version}: Chart.yaml synthesized")
    return chart


def show(invocation: Invocation) -> int:
    chart = _chart_for(invocation)
    what = invocation.command[1]
    parts = []
    if what in ("chart", "all"):
        parts.append(to_yaml(chart.metadata))
    if what in ("values", "all"):
        parts.append(chart.values_path.read_text(encoding="utf-8") if chart.values_path else "{}\n")
    if what == "crds" and chart.source is not None and chart.upstream_root is not None:
        parts.extend(to_yaml(d) for d in upstream.crd_documents(chart.source, chart.upstream_root))
    sys.stdout.write("---\n".join(parts))
    return 0


def dependency(invocation: Invocation) -> int:
    if invocation.command[1] in ("list",):
        print("NAME\tVERSION\tREPOSITORY\tSTATUS")
        return 0
    # Charts are never downloaded here, so there is nothing to vendor.
    print("Saving 0 charts\nDeleting outdated charts")
    return 0
