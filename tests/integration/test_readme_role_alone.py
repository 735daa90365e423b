"""The README's "Using one role alone" example works as written against the bundled test cluster.

The test takes the YAML and the shell lines from README.md itself, so an edit that breaks them fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import PLAYBOOK_TIMEOUT, REPO_ROOT, KubeEmulator

pytestmark = pytest.mark.slow


def section() -> str:
    text = (REPO_ROOT / "README.md").read_text()
    return text.split("## Using one role alone", 1)[1].split("\n## ", 1)[0]


def test_the_role_alone_example_deploys_its_model_on_the_bundled_cluster(
    kube_emulator: KubeEmulator, tmp_path: Path
) -> None:
    example = re.search(r"```yaml\n(.*?)```", section(), re.S).group(1)
    commands = re.search(r"```sh\n(.*?)```", section(), re.S).group(1)
    run = next(line.split("#")[0].strip() for line in commands.splitlines() if "ansible-playbook" in line)
    argv = shlex.split(run)
    playbook_name = argv[-1]
    (tmp_path / playbook_name).write_text(example)
    model = yaml.safe_load(example)[0]["roles"][0]["vars"]["vllm_models"][0]

    proc = subprocess.run(
        [str(REPO_ROOT / argv[0]), *argv[1:-1], str(tmp_path / playbook_name)],
        cwd=REPO_ROOT,
        # As in the README: K8S_AUTH_KUBECONFIG names the cluster; ansible.cfg is found in the working directory.
        env={**kube_emulator.env(), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CONFIG": ""},
        capture_output=True,
        text=True,
        timeout=PLAYBOOK_TIMEOUT,
        check=False,
    )

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    status, deployment = kube_emulator.request("GET", f"/apis/apps/v1/namespaces/vllm/deployments/vllm-{model['name']}")
    assert status == 200, deployment
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[0] == model["repo_id"]
    assert args[args.index("--served-model-name") + 1] == model["served_model_name"]
    assert os.path.basename(argv[0]) == "ansible-playbook"
