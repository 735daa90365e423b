"""The molecule log of the routes scenario carries no secret value (API keys, deSEC token).

Runs `molecule test -s routes` (converge, idempotence and verify all print task results) with the local inventory,
whose fake keys and token are known, and searches the whole captured log for them and their base64 forms.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT

GROUP_VARS = REPO_ROOT / "inventories" / "local" / "group_vars" / "all"


def local_secrets() -> list[str]:
    routes = yaml.safe_load((GROUP_VARS / "routes.yml").read_text())
    cert_manager = yaml.safe_load((GROUP_VARS / "cert_manager.yml").read_text())
    values = [k["key"] for k in routes["routes_api_keys"]] + [cert_manager["cert_manager_desec_token"]]
    return values + [base64.b64encode(v.encode()).decode() for v in values]


@pytest.mark.slow
def test_the_routes_scenario_log_holds_no_secret_value() -> None:
    molecule = Path(sys.executable).parent / "molecule"
    if not molecule.exists() and shutil.which("molecule") is None:
        pytest.skip("molecule is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "K8S_AUTH_KUBECONFIG")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        [str(molecule), "test", "-s", "routes"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert "Store each named key in its own Secret" in log  # the keys were handled in this run
    leaked = [i for i, value in enumerate(local_secrets()) if value in log]
    assert leaked == [], f"secret values #{leaked} appear in the molecule log"
