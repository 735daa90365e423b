#!/usr/bin/env bash
# Runs `ansible-test sanity` on a copy of the collection laid out as ansible-test wants it
# (ansible_collections/<namespace>/<name>), built from the files git knows about (tracked and
# untracked-but-not-ignored), so local runs see work in progress and CI sees exactly the commit.
# ansible-test installs its own pinned linters (pylint, yamllint, voluptuous, ...) from PyPI into
# per-test virtual environments; only its pip bootstrap comes from a host we cannot reach, so
# scripts/get_pip_offline.py stands in for it with a pip wheel from PyPI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/build/sanity/ansible_collections/gpuops/llm_inference"
home="$root/.cache/sanity-home"
rm -rf "$dest"
mkdir -p "$dest" "$home/.ansible/test/cache" "$root/.cache/wheels"
cd "$root"
# molecule/, scripts/, tests/harness and tests/bench are scenarios, the bundled test cluster and benchmarks: never shipped
# (galaxy.yml build_ignore) and are linted by ruff and ansible-lint instead; everything that ships, and tests/unit, is checked.
# tests/integration is left out too: its pytest files drive ansible-playbook against the bundled test cluster through
# tests/conftest.py, they are not ansible-test integration targets (tests/integration/targets/<name>/ with aliases),
# which is what ansible-test expects under that folder.
git ls-files -z --cached --others --exclude-standard | grep -zvE '^(collections|molecule|scripts|tests/harness|tests/integration|tests/bench)/' \
  | xargs -0 cp --parents -P -t "$dest/"
# Collections we depend on sit beside ours, as after `ansible-galaxy collection install`, so the import and
# ansible-doc tests resolve kubernetes.core's module_utils and doc fragments.
site_collections=$(python -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')
for dep in kubernetes/core community/general; do
  mkdir -p "$root/build/sanity/ansible_collections/${dep%/*}"
  ln -sfn "$site_collections/$dep" "$root/build/sanity/ansible_collections/$dep"
done
cd "$dest"
git init -q && git add -A && git -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity

pip_version=$(python - <<'PY'
import inspect, re
from ansible_test._internal import python_requirements as p
print(re.search(r"pip='([^']+)'", inspect.getsource(p.get_venv_packages)).group(1))
PY
)
wheel=$(ls "$root"/.cache/wheels/pip-"$pip_version"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  python -m pip download -q --no-deps --only-binary :all: -d "$root/.cache/wheels" "pip==$pip_version"
  wheel=$(ls "$root"/.cache/wheels/pip-"$pip_version"-*.whl | head -n1)
fi
sed "s|^PIP_WHEEL = \"\"|PIP_WHEEL = \"$wheel\"|" "$root/scripts/get_pip_offline.py" \
  > "$home/.ansible/test/cache/get_pip_${pip_version//./_}.py"
export HOME="$home"
python_version=$(python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
exec ansible-test sanity --python "$python_version" --local --requirements --color no "$@"
