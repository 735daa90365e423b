# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of the helm_release role: is this helm usable, and what to do with the release found in the cluster."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# kubernetes.core 6.2's helm module runs `helm list --all` after every change (modules/helm.py, main()); Helm 4
# removed that flag ("Error: unknown flag: --all", issue 10), and upstream kubernetes.core now refuses Helm 4 with
# "Helm version must be >=3.0.0,<4.0.0". 3.10.0 is the newest minimum a helm feature of kubernetes.core 6.2 asks
# for among those the role relies on (set_values json, module_utils/helm.py: `< LooseVersion("3.10.0")`).
HELM_MINIMUM = "3.10.0"
HELM_BELOW = "4.0.0"

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")

# Statuses of helm's release storage (helm.sh/helm/v3/pkg/release/status.go).
_PENDING = ("pending-install", "pending-upgrade", "pending-rollback", "uninstalling")
_ABSENT = ("uninstalled",)


def parse_helm_version(text):
    """`helm version --template '{{.Version}}'` or `--short` output ("v3.19.0", "v3.19.0+g3d8990f") → (3, 19, 0)."""
    match = _VERSION.search(text or "")
    if not match:
        return None
    return tuple(int(part) for part in match.groups())


def helm_version_problem(text, binary="helm", minimum=HELM_MINIMUM, below=HELM_BELOW):
    """An error message when the helm that printed `text` cannot be used, else an empty string."""
    wanted = ">=%s,<%s" % (minimum, below)
    found = parse_helm_version(text)
    advice = (
        "install Helm 3 (execution-environment.yml pins 3.19) first on PATH, or point helm_release_binary_path at it"
    )
    if found is None:
        return "Failed to read the version of helm %s (output %r); helm_release needs helm %s: %s." % (
            binary,
            (text or "").strip()[:200],
            wanted,
            advice,
        )
    shown = "%d.%d.%d" % found
    if found >= parse_helm_version(below):
        return (
            "helm %s is version %s (Helm %d.x); helm_release needs helm %s, Helm 3.x: kubernetes.core 6.2 runs "
            "`helm list --all`, which Helm 4 removed. Nothing was changed; %s."
            % (binary, shown, found[0], wanted, advice)
        )
    if found < parse_helm_version(minimum):
        return "helm %s is version %s, older than helm_release needs (helm %s). Nothing was changed; %s." % (
            binary,
            shown,
            wanted,
            advice,
        )
    return ""


def _commands(state, name, namespace, binary):
    target = "%s --namespace %s" % (name, namespace)
    uninstall = "`%s uninstall %s` removes the release and its resources" % (binary, target)
    if state == "pending-install":
        return "%s (it was never deployed), then run again" % uninstall
    return (
        "`%s history %s` lists the revisions and `%s rollback %s <revision>` returns to the last deployed one, or %s;"
        " then run again" % (binary, target, binary, target, uninstall)
    )


def release_plan(status, name, namespace, binary="helm"):
    """What the role does with the release helm_info found (`status` is its `status` dict, or empty).

    Returns a dict: `exists` (a release to compare values with), `force` (upgrade even when chart and values are the
    same: kubernetes.core.helm's idempotence check compares only those, so it would report success over a `failed`
    release), and `error` (the run must stop before any write, because helm itself refuses to touch the release).
    """
    state = (status or {}).get("status", "") if status else ""
    plan = {"state": state or "absent", "exists": bool(state) and state not in _ABSENT, "force": False, "error": ""}
    if state == "failed":
        plan["force"] = True
    elif state in _PENDING:
        plan["error"] = (
            "Helm release %s in namespace %s is %s (revision %s): an earlier helm run was interrupted or is still "
            'running, and helm refuses to change it ("another operation (install/upgrade/rollback) is in '
            'progress"). If no helm runs on it any more: %s.'
            % (name, namespace, state, (status or {}).get("revision", "?"), _commands(state, name, namespace, binary))
        )
    return plan


def chart_name(chart_ref):
    """The chart name a reference points to when it names a chart of a repository (`chart`, `repo/chart`,
    `oci://registry/path/chart`): its last path segment. A local archive (`chart-1.0.0.tgz`) gives a name no release
    carries, so such a release is never taken as up to date."""
    return str(chart_ref).rstrip("/").rsplit("/", 1)[-1]


def up_to_date(status, chart_ref, version, values):
    """True when the release found (`status`) is `deployed`, from chart `chart_ref` at `version`, with exactly
    `values` as its user values.

    These are the fields kubernetes.core.helm 6.2 compares without the helm-diff plugin (modules/helm.py,
    `default_check`: user values and chart `name-version`, plus the chart's appVersion, which a published chart
    version fixes): when they match, the module would change nothing, so the role skips it and the chart is neither
    pulled (`helm show chart`) nor templated. Any doubt (no release, another state, another chart or version, a
    value added, changed or removed) answers False, and the module runs as before.
    """
    if not isinstance(status, dict) or status.get("status") != "deployed":
        return False
    if status.get("chart") != "%s-%s" % (chart_name(chart_ref), version):
        return False
    return (status.get("values") or {}) == (values or {})


# What a release of `helm_release_releases` may leave out (the role's argument spec documents the same defaults).
RELEASE_DEFAULTS = {"repo_url": "", "values": {}, "wait": True, "wait_timeout": "10m"}


def release_states(releases, found, binary="helm"):
    """What the role does with each release of `releases` (dicts: name, chart, version, namespace, and optionally
    repo_url, values, wait, wait_timeout), given `found`: "<namespace>/<name>" -> the state read for that release
    (helm_info's `status` dict, decoded from helm's storage objects by helm_storage.release_status or returned by
    kubernetes.core.helm_info), missing or empty when there is no release.

    Returns the releases in order, each with its defaults filled in and: `current` (the state found, empty when
    there is no release), `plan` (release_plan), `up_to_date` (nothing to install), and `before`/`after` (the
    release, chart and values shown in diff mode; `before` empty for a new release).
    """
    states = []
    for release in releases or []:
        release = dict(RELEASE_DEFAULTS, **release)
        release["values"] = release["values"] or {}
        name, namespace = release["name"], release["namespace"]
        target = "%s/%s" % (namespace, name)
        current = (found or {}).get(target) or {}
        plan = release_plan(current, name, namespace, binary)
        before = {}
        if plan["exists"]:
            before = {"release": target, "chart": current.get("chart"), "values": current.get("values") or {}}
        after = {
            "release": target,
            "chart": "%s-%s" % (chart_name(release["chart"]), release["version"]),
            "values": release["values"],
        }
        states.append(
            dict(
                release,
                current=current,
                plan=plan,
                up_to_date=up_to_date(current, release["chart"], release["version"], release["values"]),
                before=before,
                after=after,
            )
        )
    return states
