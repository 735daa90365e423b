"""Fail when a secret value of the local inventory appears in a log (run by `make test` after molecule).

The local inventory's fake API keys and deSEC token are known, so every molecule scenario's full log
(converge, idempotence and verify print every task result) is searched for them and their base64 forms.
A scenario that handled no secret still has its log searched: a leak there would be a leak all the same.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GROUP_VARS = ROOT / "inventories" / "local" / "group_vars" / "all"


def local_secrets() -> dict[str, str]:
    """Secret values of the local inventory by a name that says where they come from (never the value)."""
    routes = yaml.safe_load((GROUP_VARS / "routes.yml").read_text())
    cert_manager = yaml.safe_load((GROUP_VARS / "cert_manager.yml").read_text())
    found = {f"routes_api_keys[{k['name']}]": k["key"] for k in routes["routes_api_keys"]}
    found["cert_manager_desec_token"] = cert_manager["cert_manager_desec_token"]
    found.update({f"{name} (base64)": base64.b64encode(v.encode()).decode() for name, v in list(found.items())})
    return found


def main(paths: list[str]) -> int:
    logs = [Path(p) for p in paths]
    if not logs:
        print("no log to check: run the molecule scenarios first")
        return 1
    secrets = local_secrets()
    leaks = [
        f"{log.name}: {name}"
        for log in logs
        for name, value in secrets.items()
        if value and value in log.read_text(errors="replace")
    ]
    print(f"searched {len(logs)} logs for {len(secrets)} secret values")
    for leak in leaks:
        print(f"LEAK {leak}")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
