"""Squads render from the template's git URL, not a checkout: both tools must work from one."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.rendering import ROOT, render_cookiecutter, render_copier, tree_differences


def test_both_tools_render_the_same_component_from_a_git_url(tmp_path: Path) -> None:
    # A bare clone of the committed template stands in for gh:org/backend-component-template.
    repository = tmp_path / "backend-component-template.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(repository)], check=True)
    url = f"git+file://{repository}"
    by_cookiecutter = render_cookiecutter({"aggregate": "Listing"}, tmp_path / "cookiecutter", url)
    # Exactly the documented command: `copier copy --trust --defaults <url> <dest>`, no --vcs-ref.
    by_copier = render_copier({"aggregate": "Listing"}, tmp_path / "copier", url, vcs_ref=None)
    assert by_cookiecutter.name == "inventory"
    assert (by_cookiecutter / "src" / "inventory" / "domain" / "listing.py").is_file()
    assert tree_differences(by_cookiecutter, by_copier) == []
