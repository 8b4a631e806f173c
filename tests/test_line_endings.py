"""On a machine whose git config says `core.autocrlf=true` (Git for Windows' default, and a common
leftover in dotfiles shared with one), a clone of this template checked out every file with CRLF line
endings: `./bootstrap.sh` stopped with "bash\\r: No such file or directory", and a component rendered
from such a checkout carried CRLF into its Makefile and scripts. Both repositories' .gitattributes now
say LF; here a clone of each, and a render with each tool, on such a machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.rendering import ROOT, render_cookiecutter, render_copier

SHELL_ENTRY_POINTS = ("bootstrap.sh", ".ci/run", "{{cookiecutter.component_slug}}/scripts/uv")


def clone(source: Path, destination: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(source), str(destination)], check=True)
    return destination


def with_crlf(repository: Path) -> list[str]:
    """The files of ``repository``'s work tree that git sees as text with CRLF line endings."""
    listed = subprocess.run(
        ["git", "ls-files", "--eol"], cwd=repository, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    # Each line: "i/<index eol> w/<work tree eol> attr/<attributes> <TAB> path".
    return sorted(line.split("\t", 1)[1] for line in listed if line.split()[1] in ("w/crlf", "w/mixed"))


@pytest.fixture
def autocrlf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A global git config with core.autocrlf=true, and no system one."""
    config = tmp_path / "gitconfig"
    config.write_text("[core]\n\tautocrlf = true\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.mark.usefixtures("autocrlf")
def test_clones_and_renders_keep_lf_where_git_would_write_crlf(tmp_path: Path) -> None:
    template = clone(ROOT, tmp_path / "template")
    assert with_crlf(template) == [], "the template's clone has CRLF line endings"
    for entry_point in SHELL_ENTRY_POINTS:
        assert (template / entry_point).read_bytes().startswith(b"#!"), entry_point
    help_text = subprocess.run(
        ["./bootstrap.sh", "--help"], cwd=template, capture_output=True, text=True, check=False
    )
    assert help_text.returncode == 0, help_text.stderr

    by_cookiecutter = render_cookiecutter({}, tmp_path / "cookiecutter", template=str(template))
    # copier clones the template once more itself, under the same git config.
    by_copier = render_copier({}, tmp_path / "copier" / "inventory", template=str(template))
    for component in (by_cookiecutter, by_copier):
        assert with_crlf(component) == [], f"{component}: rendered with CRLF line endings"
        assert (component / ".gitattributes").is_file()
        # A squad's clone of the component on the same machine.
        assert with_crlf(clone(component, tmp_path / "clones" / component.parent.name)) == []
