"""A ``helm`` stand-in for the test harness (see tests/harness/README.md, "helm stand-in").

It records releases in the cluster the way Helm 3 does and installs the charts' upstream CRDs,
but it does not render or apply chart templates.
"""
