"""The built-in API resources served by the emulator, as of Kubernetes 1.35.

The table mirrors what a real 1.35 API server lists in discovery for the groups a platform uses, because the
`kubernetes` dynamic client builds its resource map (kind <-> plural, scope, verbs) from these lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RW = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUB = ("get", "patch", "update")


@dataclass
class ResourceType:
    """One resource (plural) of one group/version, with the subresources it serves."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = RW
    categories: tuple[str, ...] = ()
    singular: str = ""
    crd_schema: dict | None = None  # openAPIV3Schema for custom resources; None means a built-in kind
    is_crd: bool = False
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.singular:
            self.singular = self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        """Objects are stored per group and plural, shared by every version of the resource."""
        return (self.group, self.plural)

    def qualified(self) -> str:
        """`deployments.apps` style name used in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def discovery_entries(self) -> list[dict]:
        entry: dict = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        entries = [entry]
        for sub in self.subresources:
            sub_kind, sub_verbs = self.kind, list(SUB)
            if sub == "scale":
                sub_kind = "Scale"
            elif sub == "log":
                sub_kind, sub_verbs = "Pod", ["get"]
            elif sub == "token":
                sub_kind, sub_verbs = "TokenRequest", ["create"]
            elif sub == "finalize":
                sub_verbs = ["update"]
            sub_entry = {"name": f"{self.plural}/{sub}", "singularName": "", "namespaced": self.namespaced}
            sub_entry.update({"kind": sub_kind, "verbs": sub_verbs})
            if sub == "scale":
                sub_entry.update({"group": "autoscaling", "version": "v1"})
            entries.append(sub_entry)
        return entries


def _r(group: str, version: str, spec: str) -> ResourceType:
    """Parse a compact `plural Kind ns|cl [short,short] [+sub,+sub] [verbs=a,b]` line."""
    parts = spec.split()
    plural, kind, scope = parts[0], parts[1], parts[2]
    shorts: tuple[str, ...] = ()
    subs: tuple[str, ...] = ()
    verbs = RW
    cats: tuple[str, ...] = ()
    for extra in parts[3:]:
        if extra.startswith("+"):
            subs = tuple(s.lstrip("+") for s in extra.split(","))
        elif extra.startswith("verbs="):
            verbs = tuple(extra[len("verbs=") :].split(","))
        elif extra.startswith("cat="):
            cats = tuple(extra[len("cat=") :].split(","))
        else:
            shorts = tuple(extra.split(","))
    return ResourceType(group, version, plural, kind, scope == "ns", shorts, subs, verbs, cats)


_CORE_NS_ONLY = "create,delete,get,list,patch,update,watch"
_TABLE = {
    ("", "v1"): f"""
        bindings Binding ns verbs=create
        componentstatuses ComponentStatus cl cs verbs=get,list
        configmaps ConfigMap ns cm
        endpoints Endpoints ns ep
        events Event ns ev
        limitranges LimitRange ns limits
        namespaces Namespace cl ns +status,finalize verbs={_CORE_NS_ONLY}
        nodes Node cl no +status
        persistentvolumeclaims PersistentVolumeClaim ns pvc +status
        persistentvolumes PersistentVolume cl pv +status
        pods Pod ns po +status,log cat=all
        podtemplates PodTemplate ns
        replicationcontrollers ReplicationController ns rc +status,scale cat=all
        resourcequotas ResourceQuota ns quota +status
        secrets Secret ns
        serviceaccounts ServiceAccount ns sa +token
        services Service ns svc +status cat=all verbs={_CORE_NS_ONLY}
    """,
    ("apps", "v1"): """
        controllerrevisions ControllerRevision ns
        daemonsets DaemonSet ns ds +status cat=all
        deployments Deployment ns deploy +status,scale cat=all
        replicasets ReplicaSet ns rs +status,scale cat=all
        statefulsets StatefulSet ns sts +status,scale cat=all
    """,
    ("batch", "v1"): """
        cronjobs CronJob ns cj +status cat=all
        jobs Job ns +status cat=all
    """,
    ("rbac.authorization.k8s.io", "v1"): """
        clusterrolebindings ClusterRoleBinding cl
        clusterroles ClusterRole cl
        rolebindings RoleBinding ns
        roles Role ns
    """,
    ("networking.k8s.io", "v1"): """
        ingressclasses IngressClass cl
        ingresses Ingress ns ing +status
        ipaddresses IPAddress cl ip
        networkpolicies NetworkPolicy ns netpol
        servicecidrs ServiceCIDR cl +status
    """,
    ("policy", "v1"): "poddisruptionbudgets PodDisruptionBudget ns pdb +status",
    ("storage.k8s.io", "v1"): """
        csidrivers CSIDriver cl
        csinodes CSINode cl
        csistoragecapacities CSIStorageCapacity ns
        storageclasses StorageClass cl sc
        volumeattachments VolumeAttachment cl +status
        volumeattributesclasses VolumeAttributesClass cl vac
    """,
    ("apiextensions.k8s.io", "v1"): "customresourcedefinitions CustomResourceDefinition cl crd,crds +status",
    ("admissionregistration.k8s.io", "v1"): """
        mutatingwebhookconfigurations MutatingWebhookConfiguration cl
        validatingadmissionpolicies ValidatingAdmissionPolicy cl +status
        validatingadmissionpolicybindings ValidatingAdmissionPolicyBinding cl
        validatingwebhookconfigurations ValidatingWebhookConfiguration cl
    """,
    ("coordination.k8s.io", "v1"): "leases Lease ns",
    ("autoscaling", "v2"): "horizontalpodautoscalers HorizontalPodAutoscaler ns hpa +status cat=all",
    ("autoscaling", "v1"): "horizontalpodautoscalers HorizontalPodAutoscaler ns hpa +status cat=all",
    ("scheduling.k8s.io", "v1"): "priorityclasses PriorityClass cl pc",
    ("discovery.k8s.io", "v1"): "endpointslices EndpointSlice ns",
    ("events.k8s.io", "v1"): "events Event ns ev",
    ("node.k8s.io", "v1"): "runtimeclasses RuntimeClass cl",
    ("resource.k8s.io", "v1"): """
        deviceclasses DeviceClass cl
        resourceclaims ResourceClaim ns +status
        resourceclaimtemplates ResourceClaimTemplate ns
        resourceslices ResourceSlice cl
    """,
}


def builtin_resources() -> list[ResourceType]:
    """All built-in resource types, preferred version of each group first."""
    types = []
    for (group, version), block in _TABLE.items():
        types.extend(_r(group, version, line) for line in block.strip().splitlines() if line.strip())
    return types


_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple:
    """Sort key giving Kubernetes' version priority (GA > beta > alpha, higher numbers first)."""
    match = _VERSION_RE.match(version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    stage_rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (stage_rank, -int(major), -int(minor or 0), version)
