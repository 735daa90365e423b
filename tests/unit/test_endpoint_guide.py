"""`make demo` ends with how the endpoint is called on a real cluster: from the inventory, key names but no values."""

from __future__ import annotations

import os

import pytest

from scripts.endpoint_guide import NO_DATA_PLANE, endpoint_guide, inventory_vars
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def local_vars() -> dict:
    os.environ.setdefault("ANSIBLE_CONFIG", str(REPO_ROOT / "ansible.cfg"))
    return inventory_vars("inventories/local")


def test_the_guide_gives_url_header_key_names_curl_and_the_openai_client(local_vars: dict) -> None:
    guide = endpoint_guide(local_vars)
    host = local_vars["gpuops_hostname"]
    served = local_vars["gpuops_models"][0]["served_model_name"]

    assert NO_DATA_PLANE in guide
    assert f"URL:     https://{host}/v1 (model {served})" in guide
    assert "Header:  Authorization: Bearer <key>" in guide
    assert f"Keys:    {', '.join(k['name'] for k in local_vars['routes_api_keys'])} " in guide
    assert f"curl https://{host}/v1/chat/completions" in guide
    assert f'"model": "{served}"' in guide
    assert f'client = OpenAI(base_url="https://{host}/v1", api_key=os.environ["LLM_API_KEY"])' in guide


def test_no_key_value_is_ever_printed(local_vars: dict) -> None:
    guide = endpoint_guide(local_vars)

    assert local_vars["routes_api_keys"]
    for key in local_vars["routes_api_keys"]:
        assert key["key"] not in guide


def test_without_a_gateway_hostname_the_guide_gives_the_in_cluster_service() -> None:
    guide = endpoint_guide({"vllm_namespace": "serving", "vllm_models": [{"name": "qwen", "repo_id": "Qwen/Q"}]})

    assert "URL:     http://vllm-qwen.serving.svc:8000/v1, from inside the cluster" in guide
    assert '"model": "Qwen/Q"' in guide
    assert "Keys:    none set (routes_api_keys)" in guide
