"""`make demo`: run site.yml on the bundled test cluster and print what it deployed.

Starts the Kubernetes API emulator with the real helm and kubectl, the terraform stand-in and the local chart
repository (tests/harness), runs
`ansible-playbook site.yml -i inventories/local` against it, prints the namespaces, Helm releases with
their chart versions, Deployments, Gateway and routes it finds there, then how clients call the endpoint on a
real cluster (the test cluster has no data plane), and stops the emulator.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from scripts.cluster_report import report
from scripts.endpoint_guide import endpoint_guide, inventory_vars
from tests.harness import launch

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    state_dir = ROOT / "build" / "demo"
    launch.stop(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
    emulator = launch.start(state_dir)
    print(f"Test cluster: Kubernetes API emulator at {emulator.url}")
    try:
        env = dict(os.environ)
        env.update(
            K8S_AUTH_KUBECONFIG=str(emulator.kubeconfig),
            PATH=f"{emulator.bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        )
        argv = [str(Path(sys.executable).parent / "ansible-playbook"), "site.yml", "-i", "inventories/local"]
        print("$ " + " ".join(argv[-3:]), flush=True)
        rc = subprocess.call(argv, cwd=ROOT, env=env)
        print("\nWhat is deployed on the test cluster:")
        print(report(str(emulator.kubeconfig)))
        print()
        print(endpoint_guide(inventory_vars("inventories/local")))
        return rc
    finally:
        launch.stop(state_dir)
        print("Test cluster stopped.")


if __name__ == "__main__":
    sys.exit(main())
