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
