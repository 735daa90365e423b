"""How clients call the deployed endpoint on a real cluster, from an inventory: URL, header, key names, examples.

Printed at the end of `make demo` (`python -m scripts.endpoint_guide <inventory>` prints it alone). Key names come
from the inventory; key values never do: the examples read the key from the environment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NO_DATA_PLANE = (
    "The bundled test cluster has no data plane: it stores the objects but runs no pod, no gateway and no vLLM,\n"
    "  so nothing on it answers HTTP. On a real cluster (inventories/staging or production), clients call it so:"
)


def inventory_vars(inventory: str, host: str = "localhost") -> dict[str, Any]:
    """The variables the inventory gives `host` (as written: templates are not rendered, vaulted values stay so)."""
    argv = [str(Path(sys.executable).parent / "ansible-inventory"), "-i", inventory, "--host", host]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def _served_name(model: dict[str, Any]) -> str:
    return str(model.get("served_model_name") or model.get("repo_id") or model.get("name"))


def endpoint_guide(variables: dict[str, Any]) -> str:
    """The guide for an inventory's variables."""
    # The inventory's contract variables (gpuops_*), or the role variables when given instead.
    models = variables.get("vllm_models") or variables.get("gpuops_models") or []
    models = [m for m in models if isinstance(m, dict)]
    default = next((m for m in models if m.get("name") == variables.get("routes_default_model")), None)
    default = default or (models[0] if models else {"name": "<name>", "served_model_name": "<served_model_name>"})
    served = _served_name(default)
    host = str(variables.get("routes_hostname") or variables.get("gpuops_hostname") or "")
    routed = bool(host) and variables.get("routes_enabled", variables.get("gpuops_routes_enabled", True)) is not False
    if routed:
        base = f"https://{host}/v1"
        where = f"{base} (model {served}); every model also at https://{host}/models/<name>/v1"
    else:
        namespace = variables.get("vllm_namespace") or variables.get("gpuops_vllm_namespace") or "vllm"
        base = f"http://vllm-{default.get('name')}.{namespace}.svc:8000/v1"
        where = f"{base}, from inside the cluster (gpuops_hostname is not set, so no gateway)"
    keys = [str(k.get("name")) for k in variables.get("routes_api_keys") or [] if isinstance(k, dict)]
    key_names = ", ".join(keys) if keys else "none set (routes_api_keys)"
    body = json.dumps({"model": served, "messages": [{"role": "user", "content": "Hello"}]})
    return "\n".join(
        [
            "How the endpoint is called",
            "  " + NO_DATA_PLANE,
            f"  URL:     {where}",
            "  Header:  Authorization: Bearer <key>",
            f"  Keys:    {key_names} (names from routes_api_keys; the values stay in the inventory or Vault)",
            "",
            "  export LLM_API_KEY=...   # the key of one of those names",
            f"  curl {base}/chat/completions \\",
            '    -H "Authorization: Bearer $LLM_API_KEY" -H "Content-Type: application/json" \\',
            f"    -d '{body}'",
            "",
            "  # pip install openai",
            "  import os",
            "  from openai import OpenAI",
            f'  client = OpenAI(base_url="{base}", api_key=os.environ["LLM_API_KEY"])',
            "  reply = client.chat.completions.create(",
            f'      model="{served}", messages=[{{"role": "user", "content": "Hello"}}]',
            "  )",
            "  print(reply.choices[0].message.content)",
        ]
    )


def main() -> int:
    inventory = sys.argv[1] if len(sys.argv) > 1 else "inventories/local"
    print(endpoint_guide(inventory_vars(inventory)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
