"""The helm_release role's decisions: which helm it accepts, and what it does with the release it finds."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_guard import (
    HELM_BELOW,
    HELM_MINIMUM,
    helm_version_problem,
    parse_helm_version,
    release_plan,
    release_states,
)
from ansible_collections.gpuops.llm_inference.plugins.module_utils.helm_storage import release_status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v3.19.0", (3, 19, 0)),
        ("v3.19.0+g3d8990f\n", (3, 19, 0)),
        ("v4.1.4", (4, 1, 4)),
        ('version.BuildInfo{Version:"v3.10.3", GitCommit:"x"}', (3, 10, 3)),
        ("", None),
        ("helm: command not found", None),
    ],
)
def test_parse_helm_version_reads_template_short_and_full_output(text, expected):
    assert parse_helm_version(text) == expected


@pytest.mark.parametrize("version", ["v3.10.0", "v3.19.0", "v3.19.0+g3d8990f", "v3.99.99"])
def test_every_helm_3_from_the_minimum_is_accepted(version):
    assert helm_version_problem(version) == ""


@pytest.mark.parametrize("version", ["v4.0.0", "v4.1.4", "v5.0.0-rc.1", "v0.0.1", "v2.17.0", "v3.0.0", "v3.9.4"])
def test_every_other_helm_is_refused_naming_found_and_wanted(version):
    message = helm_version_problem(version, binary="/opt/helm")
    found = ".".join(str(part) for part in parse_helm_version(version))
    assert found in message
    assert f">={HELM_MINIMUM},<{HELM_BELOW}" in message
    assert "/opt/helm" in message
    assert "Nothing was changed" in message


def test_helm_4_is_refused_as_helm_4_wanting_helm_3():
    message = helm_version_problem("v4.1.4")
    assert "Helm 4.x" in message
    assert "Helm 3.x" in message
    assert "--all" in message


def test_unreadable_version_is_refused_with_the_output():
    message = helm_version_problem("[Errno 2] No such file or directory: b'helm'")
    assert message.startswith("Failed to read the version of helm helm")
    assert "No such file" in message


def test_no_release_or_deployed_release_goes_on_without_force():
    for status in (None, {}, {"status": "deployed", "revision": "3"}, {"status": "superseded"}):
        plan = release_plan(status, "web", "apps")
        assert plan["error"] == ""
        assert plan["force"] is False
    assert release_plan(None, "web", "apps")["exists"] is False
    assert release_plan({"status": "deployed"}, "web", "apps")["exists"] is True


def test_uninstalled_release_kept_in_history_is_installed_again():
    plan = release_plan({"status": "uninstalled", "revision": "2"}, "web", "apps")
    assert plan == {"state": "uninstalled", "exists": False, "force": False, "error": ""}


def test_failed_release_is_upgraded_even_with_the_same_chart_and_values():
    plan = release_plan({"status": "failed", "revision": "1"}, "web", "apps")
    assert plan["force"] is True
    assert plan["exists"] is True
    assert plan["error"] == ""


@pytest.mark.parametrize("state", ["pending-install", "pending-upgrade", "pending-rollback", "uninstalling"])
def test_pending_release_stops_naming_release_state_and_command(state):
    plan = release_plan({"status": state, "revision": "4"}, "web", "apps", binary="/opt/helm")
    message = plan["error"]
    assert plan["force"] is False
    for part in ("web", "apps", state, "revision 4", "/opt/helm uninstall web --namespace apps"):
        assert part in message
    assert "another operation" in message


def test_pending_upgrade_suggests_rollback_but_pending_install_only_uninstall():
    upgrade = release_plan({"status": "pending-upgrade", "revision": "4"}, "web", "apps")["error"]
    install = release_plan({"status": "pending-install", "revision": "1"}, "web", "apps")["error"]
    assert "helm rollback web --namespace apps" in upgrade
    assert "helm rollback" not in install
    assert "never deployed" in install


def _stored(name, status, chart="probe-0.1.0", values=None):
    """helm's storage object of one revision, as k8s_info returns a Secret (base64 of base64 of gzipped JSON)."""
    chart_name, version = chart.rsplit("-", 1)
    release = {
        "name": name,
        "namespace": "apps",
        "version": 1,
        "info": {"status": status},
        "chart": {"metadata": {"name": chart_name, "version": version}},
        "config": values,
    }
    data = base64.b64encode(base64.b64encode(gzip.compress(json.dumps(release).encode()))).decode()
    labels = {"owner": "helm", "name": name, "status": status, "version": "1"}
    return {"metadata": {"labels": labels}, "data": {"release": data}}


RELEASES = [
    {"name": "up", "chart": "probe", "version": "0.1.0", "namespace": "apps", "values": {"a": 1}},
    {"name": "new", "chart": "repo/probe", "version": "0.1.0", "namespace": "apps"},
    {"name": "broken", "chart": "probe", "version": "0.1.0", "namespace": "apps", "wait": False},
]


def test_release_states_plan_each_release_from_its_decoded_storage_objects_in_order():
    # What the plan action passes: each release's state decoded from the objects helm stored it in.
    found = {
        "apps/up": release_status([_stored("up", "deployed", values={"a": 1})], "up"),
        "apps/new": release_status([], "new"),
        "apps/broken": release_status([_stored("broken", "failed")], "broken"),
    }
    states = release_states(RELEASES, found)
    assert [s["name"] for s in states] == ["up", "new", "broken"]
    up, new, broken = states
    assert up["up_to_date"] is True and up["plan"]["force"] is False
    assert up["before"] == {"release": "apps/up", "chart": "probe-0.1.0", "values": {"a": 1}}
    # Defaults filled in, as the argument spec documents them.
    assert (new["repo_url"], new["values"], new["wait"], new["wait_timeout"]) == ("", {}, True, "10m")
    assert new["current"] == {} and new["before"] == {} and new["up_to_date"] is False
    assert new["after"] == {"release": "apps/new", "chart": "probe-0.1.0", "values": {}}
    assert broken["plan"]["force"] is True and broken["up_to_date"] is False and broken["wait"] is False


def test_release_states_from_helm_info_status_when_helm_stores_releases_elsewhere():
    (state,) = release_states(RELEASES[:1], {"apps/up": {"status": "pending-upgrade", "revision": "4"}})
    assert "pending-upgrade (revision 4)" in state["plan"]["error"]
    assert state["up_to_date"] is False


def test_a_release_read_in_another_namespace_is_not_this_one():
    found = {"other/up": release_status([_stored("up", "deployed", values={"a": 1})], "up")}
    (state,) = release_states(RELEASES[:1], found)
    assert state["current"] == {} and state["plan"]["exists"] is False and state["plan"]["error"] == ""
