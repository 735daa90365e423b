"""The README's cost table is what the monthly_cost filter computes for the staging inventory today."""

from scripts.cost_report import table
from tests.conftest import REPO_ROOT


def test_the_readme_shows_the_cost_of_the_configured_stack() -> None:
    assert table("staging") in (REPO_ROOT / "README.md").read_text()
