"""kubernetes.core modules run in the controller's process (plugin_utils/k8s_in_controller.py): the arguments go
through the module's own argument spec, secrets are masked as AnsibleModule masks them, anything the module would
refuse falls back to the module, and the task's environment is seen and then restored. No cluster: the API address
is a closed loopback port, so every call fails the way the module fails. The same path against the test cluster,
compared with the module's results, is tests/integration/plugins/test_k8s_in_controller.py."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from ansible_collections.gpuops.llm_inference.plugins.plugin_utils.k8s_in_controller import MODULES, run_module

K8S_INFO = "kubernetes.core.k8s_info"
SECRET = "s3cr3t-bearer-token-for-the-test"


@pytest.fixture
def kubeconfig(tmp_path: Path) -> str:
    """A kubeconfig whose one context points at a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "not-used"}}],
        "contexts": [{"name": "only", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "only",
    }
    path.write_text(json.dumps(config))
    return str(path)


def test_both_modules_the_roles_use_can_run_in_the_controller() -> None:
    assert set(MODULES) == {"kubernetes.core.k8s", K8S_INFO}


def test_a_failure_is_the_modules_failure_with_the_token_masked(tmp_path: Path) -> None:
    args = {"kind": "ConfigMap", "kubeconfig": str(tmp_path / "missing"), "api_key": SECRET}
    result = run_module(K8S_INFO, args, False, False)
    assert result is not None
    assert result["failed"] is True
    assert result["msg"].startswith("Could not create API client")
    assert SECRET not in json.dumps(result)
    # The module's defaults are filled in, as AnsibleModule fills them.
    assert result["invocation"]["module_args"]["api_version"] == "v1"


def test_an_error_outside_the_modules_own_handling_is_left_to_the_module(kubeconfig: str) -> None:
    """Nothing listens at the API address: the module process would end with a traceback ("MODULE FAILURE");
    the caller runs the module so that the user sees exactly that."""
    assert run_module(K8S_INFO, {"kind": "ConfigMap", "kubeconfig": kubeconfig}, False, False) is None


def test_arguments_the_module_would_refuse_are_left_to_the_module() -> None:
    assert run_module(K8S_INFO, {"kind": "ConfigMap", "no_such_option": 1}, False, False) is None
    assert run_module(K8S_INFO, {"name": "missing-kind"}, False, False) is None  # kind is required
    both = {"template": "a.j2", "src": "a.yml"}  # mutually exclusive in kubernetes.core.k8s
    assert run_module("kubernetes.core.k8s", both, True, True) is None
    assert run_module("kubernetes.core.helm_info", {"name": "x"}, False, False) is None


def test_the_task_environment_is_seen_by_the_module_and_restored(
    kubeconfig: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kubernetes.core reads K8S_AUTH_CONTEXT from the environment when the task does not give a context."""
    monkeypatch.delenv("K8S_AUTH_CONTEXT", raising=False)
    monkeypatch.setenv("K8S_AUTH_PROXY", "http://proxy.invalid:3128")
    environment = {"K8S_AUTH_CONTEXT": "context-from-the-task", "K8S_AUTH_PROXY": ""}
    result = run_module(K8S_INFO, {"kind": "ConfigMap", "kubeconfig": kubeconfig}, False, False, environment)
    assert result is not None
    assert "context-from-the-task" in result["msg"]
    assert "K8S_AUTH_CONTEXT" not in os.environ
    assert os.environ["K8S_AUTH_PROXY"] == "http://proxy.invalid:3128"
