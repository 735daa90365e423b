"""Stand-in for pypa's get-pip.py that ansible-test downloads from a host unreachable here.

ansible-test bootstraps pip into its sanity-test virtual environments by running a cached
``get_pip_<version>.py`` with pip-install arguments. This script does the same job with a pip
wheel fetched from PyPI (the one registry we can reach): it imports pip from the wheel and runs
``pip install <args>`` in the new environment, exactly as get-pip.py does with its embedded copy.
scripts/sanity.sh copies this file into ansible-test's cache with PIP_WHEEL set to the wheel's path
(ansible-test runs it with a filtered environment, so the path cannot come from a variable).
"""

import sys

PIP_WHEEL = ""  # replaced by scripts/sanity.sh


def main() -> int:
    sys.path.insert(0, PIP_WHEEL)
    from pip._internal.cli.main import main as pip_main

    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    return pip_main(["install", "--upgrade", "--force-reinstall", *args])


if __name__ == "__main__":
    sys.exit(main())
