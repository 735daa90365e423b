"""Report allocatable GPUs on a node through the status subresource, as the NVIDIA device plugin's kubelet would.

kubernetes.core has no status-subresource writes, and the API server drops status on create, so molecule's prepare
step uses the kubernetes client directly. Usage: report_gpus.py NODE COUNT (kubeconfig from K8S_AUTH_KUBECONFIG).
"""

from __future__ import annotations

import os
import sys

from kubernetes import client, config


def main(node: str, count: str) -> None:
    config.load_kube_config(config_file=os.environ["K8S_AUTH_KUBECONFIG"])
    core = client.CoreV1Api()
    current = core.read_node_status(node).status or client.V1NodeStatus()
    allocatable = dict(
        current.allocatable or {"cpu": "8", "memory": "28Gi", "pods": "110"}, **{"nvidia.com/gpu": count}
    )
    capacity = dict(current.capacity or allocatable, **{"nvidia.com/gpu": count})
    core.patch_node_status(node, {"status": {"allocatable": allocatable, "capacity": capacity}})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
