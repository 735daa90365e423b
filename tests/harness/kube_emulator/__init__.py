"""An in-process Kubernetes API server emulator for tests (see tests/harness/README.md)."""
