"""Commands that read or write releases: upgrade/install, uninstall, list, status, get, history."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from typing import Any

from tests.harness import upstream

from . import charts, crds
from .args import Invocation, UsageError
from .kube import Kube, resolve_target
from .output import emit, output_format, table, to_yaml
from .releases import (
    DEPLOYED,
    NAME_PATTERN,
    SUPERSEDED,
    UNINSTALLED,
    Release,
    ReleaseStore,
    go_time,
    latest_per_name,
    now,
    valid_release_name,
)
from .strvals import FILE, JSON, LITERAL, RAW, STRING, parse_into
from .values import ValuesError, coalesce, load_values_file, merge_maps, schema_errors, unknown_keys

DEFAULT_HISTORY_MAX = 10
STATES = ("deployed", "failed", "pending", "superseded", "uninstalled", "uninstalling")


def _connect(invocation: Invocation) -> tuple[ReleaseStore, Kube, str]:
    target = resolve_target(invocation)
    kube = Kube.connect(invocation, target)
    return ReleaseStore(kube), kube, target.namespace


def collect_values(invocation: Invocation) -> dict[str, Any]:
    """User values in Helm's order: -f files, --set-json, --set, --set-string, --set-file, --set-literal."""
    merged: dict[str, Any] = {}
    for path in invocation.values("values"):
        if re.match(r"^[a-z]+://", path):
            raise ValuesError(f"values file {path}: URLs are not supported by the stand-in (no network)")
        merged = merge_maps(merged, load_values_file(path))
    for flag, kind in (
        ("set-json", JSON),
        ("set", RAW),
        ("set-string", STRING),
        ("set-file", FILE),
        ("set-literal", LITERAL),
    ):
        for expression in invocation.values(flag):
            try:
                parse_into(expression, merged, kind)
            except ValueError as exc:
                raise ValuesError(f"failed parsing --{flag} data: {exc}") from exc
    return merged


def check_values(chart: charts.Chart, config: dict[str, Any], skip_schema: bool) -> None:
    """Refuse values unknown to the upstream chart, then validate values.schema.json like Helm."""
    if not chart.checked:
        charts.notice(charts.missing_data_notice(chart))
        return
    if skip_schema:
        charts.notice(f"--skip-schema-validation: values of {chart.describe()} not checked")
        return
    unknown = unknown_keys(config, chart.effective_defaults(), chart.free_keys())
    if unknown:
        lines = [f'unknown key "{key}" ({chart.values_path})' for key in unknown]
        raise ValuesError("values don't meet the specifications of the upstream chart: " + "\n".join(lines))
    if chart.schema_path is not None:
        problems = schema_errors(coalesce(chart.defaults, config), chart.schema_path)
        if problems:
            header = "values don't meet the specifications of the schema(s) in the following chart(s):"
            raise ValuesError("\n".join([header, f"{chart.name}:", *problems]))


def _next_config(invocation: Invocation, new: dict[str, Any], previous: Release | None) -> dict[str, Any]:
    """Helm's reset/reuse rules for upgrades."""
    if previous is None or invocation.bool("reset-values"):
        return new
    if invocation.bool("reuse-values") or invocation.bool("reset-then-reuse-values"):
        return merge_maps(previous.config, new)
    return new if new else dict(previous.config)


def _dry_run(invocation: Invocation) -> bool:
    return invocation.has("dry-run") and (invocation.value("dry-run") or "").lower() not in ("false", "none", "0")


def _print_summary(release: Release, headline: str | None) -> None:
    if headline:
        print(headline)
    deployed = datetime.strptime(release.last_deployed, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    print(f"NAME: {release.name}")
    print(f"LAST DEPLOYED: {deployed.strftime('%a %b %e %H:%M:%S %Y')}")
    print(f"NAMESPACE: {release.namespace}")
    print(f"STATUS: {release.status}")
    print(f"REVISION: {release.version}")
    print("TEST SUITE: None")


def _release_name(invocation: Invocation) -> tuple[str, str]:
    if len(invocation.positionals) != 2:
        raise UsageError(f'"helm {invocation.name}" requires 2 arguments')
    name, reference = invocation.positionals
    if not valid_release_name(name):
        raise UsageError(
            f'release name "{name}": invalid release name, must match regex {NAME_PATTERN.pattern} '
            "and the length must not be longer than 53"
        )
    return name, reference


def upgrade(invocation: Invocation) -> int:
    """``upgrade [--install]`` and ``install``: check values, install CRDs, record a revision."""
    is_install_command = invocation.name == "install"
    phase = "INSTALLATION FAILED" if is_install_command else "UPGRADE FAILED"
    name, reference = _release_name(invocation)
    repo_config = charts.repository_config_path(invocation.value("repository-config"))
    chart = charts.resolve(reference, invocation.value("version"), invocation.value("repo"), repo_config)
    new_values = collect_values(invocation)
    store, kube, namespace = _connect(invocation)
    history = store.history(namespace, name)
    live = [r for r in history if r.status != UNINSTALLED]
    installing = not live
    if not is_install_command and installing and not invocation.bool("install"):
        raise UsageError(f'{phase}: "{name}" has no deployed releases')
    if is_install_command and not installing and not invocation.bool("replace"):
        raise UsageError(f"{phase}: cannot re-use a name that is still in use")
    config = _next_config(invocation, new_values, live[-1] if live else None)
    check_values(chart, config, invocation.bool("skip-schema-validation"))
    stamp = go_time(now())
    release = Release(
        name=name,
        namespace=namespace,
        version=(history[-1].version + 1) if history else 1,
        status=DEPLOYED,
        chart_metadata=chart.metadata,
        chart_values=chart.defaults,
        config=config,
        first_deployed=history[0].first_deployed if history else stamp,
        last_deployed=stamp,
        description="Install complete" if installing else "Upgrade complete",
    )
    headline = None
    if not is_install_command:
        headline = f'Release "{name}" does not exist. Installing it now.'
        if not installing:
            headline = f'Release "{name}" has been upgraded. Happy Helming!'
    if _dry_run(invocation):
        release.description = "Dry run complete"
    else:
        _ensure_namespace(invocation, kube, namespace, phase)
        if not invocation.bool("skip-crds"):
            _apply_crds(invocation, kube, chart, config, installing)
        _record(invocation, store, history, release)
    _print_summary(release, headline)
    return 0


def _ensure_namespace(invocation: Invocation, kube: Kube, namespace: str, phase: str) -> None:
    if kube.get_namespace(namespace) is None:
        if not invocation.bool("create-namespace"):
            raise UsageError(f'{phase}: create: failed to create: namespaces "{namespace}" not found')
        kube.create_namespace(namespace)


def _apply_crds(
    invocation: Invocation, kube: Kube, chart: charts.Chart, config: dict[str, Any], installing: bool
) -> None:
    documents, mode = crds.chart_crds(chart, coalesce(chart.effective_defaults(), config))
    if mode == upstream.CRD_DIR and not installing:
        documents = []  # Helm installs a chart's crds/ directory on first install only, never on upgrade
    names = crds.install_crds(kube, documents, mode)
    if invocation.bool("wait") or invocation.bool("atomic") or invocation.bool("rollback-on-failure"):
        crds.wait_established(kube, names, crds.parse_duration(invocation.value("timeout")))


def _record(invocation: Invocation, store: ReleaseStore, history: list[Release], release: Release) -> None:
    """Supersede the deployed revision, store the new one, and trim history to --history-max."""
    for older in history:
        if older.status == DEPLOYED:
            older.status = SUPERSEDED
            store.update(older)
    store.create(release)
    raw = invocation.value("history-max")
    try:
        limit = int(raw) if raw not in (None, "") else DEFAULT_HISTORY_MAX
    except ValueError as exc:
        raise UsageError(f'invalid argument "{raw}" for "--history-max" flag') from exc
    revisions = [*history, release]
    if limit > 0 and len(revisions) > limit:
        for old in revisions[: len(revisions) - limit]:
            store.delete(old)


def uninstall(invocation: Invocation) -> int:
    if not invocation.positionals:
        raise UsageError('"helm uninstall" requires at least 1 argument')
    store, _kube, namespace = _connect(invocation)
    for name in invocation.positionals:
        history = store.history(namespace, name)
        if not history or (history[-1].status == UNINSTALLED and invocation.bool("keep-history")):
            if invocation.bool("ignore-not-found"):
                continue
            raise UsageError(f"uninstall: Release not loaded: {name}: release: not found")
        if not _dry_run(invocation):
            if invocation.bool("keep-history"):
                latest = history[-1]
                latest.status = UNINSTALLED
                latest.deleted = go_time(now())
                latest.description = "Uninstallation complete"
                store.update(latest)
            else:
                for revision in history:
                    store.delete(revision)
        # CRDs stay, like Helm; there are no rendered workloads to wait for.
        print(f'release "{name}" uninstalled')
    return 0


def list_releases(invocation: Invocation) -> int:
    chosen = output_format(invocation)
    store, _kube, namespace = _connect(invocation)
    releases = store.all(None if invocation.bool("all-namespaces") else namespace)
    pattern = invocation.value("filter")
    if pattern:
        try:
            matcher = re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"error parsing regexp: {exc}") from exc
        releases = [r for r in releases if matcher.search(r.name)]
    wanted = {s for s in STATES if invocation.bool(s)}
    if invocation.bool("all"):
        wanted = set(STATES)
    elif not wanted:
        wanted = {"deployed", "failed"}
    if wanted != {"superseded"}:
        releases = latest_per_name(releases)
    releases = [r for r in releases if r.status in wanted or (r.status.startswith("pending") and "pending" in wanted)]
    releases.sort(
        key=lambda r: r.last_deployed if invocation.bool("date") else r.name, reverse=invocation.bool("reverse")
    )
    offset = int(invocation.value("offset", "0") or 0)
    limit = int(invocation.value("max", "256") or 256)
    releases = releases[offset : offset + limit] if limit > 0 else releases[offset:]
    entries = [r.list_entry() for r in releases]
    if invocation.bool("short"):
        for entry in entries:
            print(entry["name"])
    elif chosen == "table":
        columns = ["name", "namespace", "revision", "updated", "status", "chart", "app_version"]
        table([c.upper().replace("_", " ") for c in columns], [[e[c] for c in columns] for e in entries])
    else:
        emit(entries, chosen)
    return 0


def _load(invocation: Invocation, command: str) -> Release:
    if len(invocation.positionals) != 1:
        raise UsageError(f'"helm {command}" requires 1 argument')
    store, _kube, namespace = _connect(invocation)
    history = store.history(namespace, invocation.positionals[0])
    revision = invocation.value("revision")
    if revision not in (None, "", "0"):
        history = [r for r in history if str(r.version) == revision]
    if not history:
        raise UsageError("release: not found")
    return history[-1]


def status(invocation: Invocation) -> int:
    chosen = output_format(invocation)
    release = _load(invocation, "status")
    if chosen == "table":
        _print_summary(release, None)
        print(f"DESCRIPTION: {release.description}")
    else:
        data = release.to_json()
        data["chart"].pop("templates", None)
        emit(data, chosen)
    return 0


def get(invocation: Invocation) -> int:
    what = invocation.command[1]
    release = _load(invocation, invocation.name)
    if what == "values":
        chosen = output_format(invocation)
        data = coalesce(release.chart_values, release.config) if invocation.bool("all") else release.config
        if chosen == "table":
            print("COMPUTED VALUES:" if invocation.bool("all") else "USER-SUPPLIED VALUES:")
        emit(data or None, "yaml" if chosen == "table" else chosen)
    elif what == "manifest":
        sys.stdout.write(release.manifest)
    elif what == "notes":
        if release.notes:
            print(f"NOTES:\n{release.notes}")
    elif what == "hooks":
        pass  # the stand-in renders no templates, so there are no hooks
    elif what == "metadata":
        emit(
            {
                "name": release.name,
                "chart": release.chart_metadata.get("name"),
                "version": release.chart_metadata.get("version"),
                "appVersion": release.chart_metadata.get("appVersion", ""),
                "namespace": release.namespace,
                "revision": release.version,
                "status": release.status,
                "deployedAt": release.last_deployed,
            },
            output_format(invocation) if invocation.has("output") else "yaml",
        )
    else:
        _print_summary(release, None)
        print("USER-SUPPLIED VALUES:")
        sys.stdout.write(to_yaml(release.config or None))
    return 0


def history(invocation: Invocation) -> int:
    chosen = output_format(invocation)
    if len(invocation.positionals) != 1:
        raise UsageError('"helm history" requires 1 argument')
    store, _kube, namespace = _connect(invocation)
    revisions = store.history(namespace, invocation.positionals[0])
    if not revisions:
        raise UsageError("release: not found")
    entries = [
        {
            "revision": r.version,
            "updated": r.last_deployed,
            "status": r.status,
            "chart": r.chart_label,
            "app_version": str(r.chart_metadata.get("appVersion", "") or ""),
            "description": r.description,
        }
        for r in revisions
    ]
    if chosen == "table":
        columns = ["revision", "updated", "status", "chart", "app_version", "description"]
        table([c.upper().replace("_", " ") for c in columns], [[str(e[c]) for c in columns] for e in entries])
    else:
        emit(entries, chosen)
    return 0
