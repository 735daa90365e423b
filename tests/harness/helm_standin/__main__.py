"""``python -m tests.harness.helm_standin <helm argv>``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
