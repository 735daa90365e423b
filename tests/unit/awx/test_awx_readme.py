"""awx/README.md exists, the README links to it, and it covers every job template job_templates.yml defines."""

from tests.conftest import REPO_ROOT
from tests.unit.awx.test_awx_definitions import DEFS

AWX_README = REPO_ROOT / "awx" / "README.md"


def test_the_readme_links_to_the_awx_readme() -> None:
    assert "](awx/README.md)" in (REPO_ROOT / "README.md").read_text()
    assert AWX_README.is_file()


def test_the_awx_readme_says_how_to_load_every_template_with_awx_awx() -> None:
    text = AWX_README.read_text()

    assert "ansible-playbook awx/configure.yml" in text
    assert "awx.awx" in text
    for template in DEFS["gpuops_awx_job_templates"]:
        assert f"`{template['name']}`" in text, template["name"]
        assert f"`{template['playbook']}`" in text, template["playbook"]
