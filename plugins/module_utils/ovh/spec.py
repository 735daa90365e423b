# -*- coding: utf-8 -*-
# Copyright: contributors to gpuops.llm_inference
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired node pool state from module parameters, validation, and the desired-vs-current diff.

Field names follow the OVH API (camelCase, GET/POST/PUT
/cloud/project/{serviceName}/kube/{kubeId}/nodepool). Options left unset (None) are not
managed: the pool keeps whatever value it has.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

# OVH refuses "_" in pool names (terraform-provider-ovh docs) and the name becomes a node
# label value, so the RFC 1123 label rule is applied. Whether OVH also accepts upper case
# is not documented; refusing it here is the safe side.
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
NAME_MAX = 63
# OVH documents 100 nodes as the per-pool ceiling (the API default for maxNodes).
MAX_NODES_CEILING = 100

# Fields OVH only sets at creation: changing them means deleting and recreating the pool.
IMMUTABLE = (
    ("flavor", "flavor"),
    ("antiAffinity", "anti_affinity"),
    ("monthlyBilled", "monthly_billed"),
    ("availabilityZones", "availability_zones"),
)
AUTOSCALING_KEYS = (
    ("scaleDownUtilizationThreshold", "scale_down_utilization_threshold"),
    ("scaleDownUnneededTimeSeconds", "scale_down_unneeded_time_seconds"),
    ("scaleDownUnreadyTimeSeconds", "scale_down_unready_time_seconds"),
)
# What the diff shows and compares; server-managed fields (status, counters, dates) are left out.
VIEW_KEYS = (
    "name",
    "flavor",
    "desiredNodes",
    "minNodes",
    "maxNodes",
    "autoscale",
    "antiAffinity",
    "monthlyBilled",
    "availabilityZones",
    "autoscaling",
    "template",
)


def static_problems(p):
    """Problems found from the parameters alone, before any API call."""
    problems = []
    name = p.get("name") or ""
    if len(name) > NAME_MAX or not NAME_RE.match(name):
        problems.append(
            "name %r is not a valid OVH node pool name: use at most %d lower-case letters, digits and '-', "
            "starting and ending with a letter or digit ('_' is refused by OVH)" % (name, NAME_MAX)
        )
    if not (p.get("kube_id") or "").strip():
        problems.append("kube_id is empty: give the id of the MKS cluster (terraform output kube_id)")
    for key in ("desired_nodes", "min_nodes", "max_nodes"):
        value = p.get(key)
        if value is not None and not 0 <= value <= MAX_NODES_CEILING:
            problems.append("%s=%s is outside 0..%d" % (key, value, MAX_NODES_CEILING))
    problems.extend(range_problems(p.get("min_nodes"), p.get("max_nodes"), p.get("desired_nodes")))
    threshold = (p.get("autoscaling") or {}).get("scale_down_utilization_threshold")
    if threshold is not None and not 0 <= threshold <= 1:
        problems.append("autoscaling.scale_down_utilization_threshold=%s is outside 0..1" % threshold)
    return problems


def range_problems(min_nodes, max_nodes, desired_nodes):
    problems = []
    if min_nodes is not None and max_nodes is not None and min_nodes > max_nodes:
        problems.append("min_nodes=%s is above max_nodes=%s" % (min_nodes, max_nodes))
    elif desired_nodes is not None:
        if min_nodes is not None and desired_nodes < min_nodes:
            problems.append("desired_nodes=%s is below min_nodes=%s" % (desired_nodes, min_nodes))
        if max_nodes is not None and desired_nodes > max_nodes:
            problems.append("desired_nodes=%s is above max_nodes=%s" % (desired_nodes, max_nodes))
    return problems


def _clamp(value, low, high):
    return max(low, min(high, value))


def normalize_taints(taints):
    return sorted(
        ({"key": t["key"], "value": t.get("value") or "", "effect": t["effect"]} for t in taints or []),
        key=lambda t: (t["key"], t["effect"], t["value"]),
    )


def view(pool):
    """The comparable part of a pool as OVH returns it."""
    out = {k: copy.deepcopy(pool.get(k)) for k in VIEW_KEYS if k in pool}
    template = out.get("template") or {}
    metadata = template.get("metadata") or {}
    spec = template.get("spec") or {}
    out["template"] = {
        "metadata": {
            "labels": metadata.get("labels") or {},
            "annotations": metadata.get("annotations") or {},
            "finalizers": metadata.get("finalizers") or [],
        },
        "spec": {"unschedulable": bool(spec.get("unschedulable")), "taints": normalize_taints(spec.get("taints"))},
    }
    out["autoscaling"] = out.get("autoscaling") or {}
    out["availabilityZones"] = out.get("availabilityZones") or []
    return out


def apply_params(base, p, exists):
    """Return ``base`` (a view) with every managed parameter applied: the desired view."""
    after = copy.deepcopy(base)
    for api_key, opt in (("name", "name"), ("flavor", "flavor"), ("autoscale", "autoscale"), *IMMUTABLE[1:]):
        if p.get(opt) is not None:
            after[api_key] = copy.deepcopy(p[opt])
    for api_key, opt in (("minNodes", "min_nodes"), ("maxNodes", "max_nodes")):
        if p.get(opt) is not None:
            after[api_key] = p[opt]
    after["desiredNodes"] = _desired_nodes(after, p, exists)
    for api_key, opt in AUTOSCALING_KEYS:
        value = (p.get("autoscaling") or {}).get(opt)
        if value is not None:
            after["autoscaling"][api_key] = value
    metadata, spec = after["template"]["metadata"], after["template"]["spec"]
    for key in ("labels", "annotations", "finalizers"):
        if p.get(key) is not None:
            metadata[key] = copy.deepcopy(p[key])
    if p.get("taints") is not None:
        spec["taints"] = normalize_taints(p["taints"])
    if p.get("unschedulable") is not None:
        spec["unschedulable"] = p["unschedulable"]
    return after


def _desired_nodes(after, p, exists):
    low = after.get("minNodes") or 0
    high = after.get("maxNodes") if after.get("maxNodes") is not None else MAX_NODES_CEILING
    wanted = p.get("desired_nodes")
    if not exists:
        return wanted if wanted is not None else _clamp(1, low, high)
    # With the autoscaler on, desiredNodes belongs to the autoscaler: enforcing it would fight
    # it on every run. It is only pulled back inside the new min..max.
    if after.get("autoscale") or wanted is None:
        return _clamp(after.get("desiredNodes") or 0, low, high)
    return wanted


def empty_view():
    return view({})


def immutable_changes(before, after):
    """Names of the immutable options whose desired value differs from the pool's."""
    changed = []
    for api_key, opt in IMMUTABLE:
        if before.get(api_key) != after.get(api_key):
            changed.append("%s (%r -> %r)" % (opt, before.get(api_key), after.get(api_key)))
    return changed


def create_body(after):
    body = {
        "name": after["name"],
        "flavorName": after["flavor"],
        "desiredNodes": after["desiredNodes"],
        "autoscale": bool(after.get("autoscale")),
        "antiAffinity": bool(after.get("antiAffinity")),
        "monthlyBilled": bool(after.get("monthlyBilled")),
    }
    for key in ("minNodes", "maxNodes"):
        if after.get(key) is not None:
            body[key] = after[key]
    if after.get("availabilityZones"):
        body["availabilityZones"] = after["availabilityZones"]
    if after.get("autoscaling"):
        body["autoscaling"] = after["autoscaling"]
    if after["template"] != empty_view()["template"]:
        body["template"] = after["template"]
    return body


def update_body(before, after):
    """The PUT body: only the mutable fields, and only when something differs."""
    keys = ("desiredNodes", "minNodes", "maxNodes", "autoscale")
    if all(before.get(k) == after.get(k) for k in (*keys, "autoscaling", "template")):
        return None
    # Node counts and autoscale go together so OVH validates min <= desired <= max as one.
    body = {k: after[k] for k in keys if after.get(k) is not None}
    if before.get("autoscaling") != after.get("autoscaling"):
        body["autoscaling"] = after["autoscaling"]
    if before.get("template") != after.get("template"):
        body["template"] = after["template"]
    return body
