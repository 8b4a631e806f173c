"""The component template folder holds no git-ignored files.

Cookiecutter renders whatever is in the folder, ignored files included (a stray `.ruff_cache`, a
`.venv`), while copier renders from git (uncommitted but not ignored changes included): ignored junk
would make the tools' outputs differ and could ship to squads. This names the junk instead of leaving
it to a diff to find.
"""

from __future__ import annotations

import subprocess

from tests.rendering import ROOT, TEMPLATE_DIR


def test_the_template_folder_has_no_ignored_files() -> None:
    ignored = subprocess.run(
        [
            "git",
            "ls-files",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
            "--",
            TEMPLATE_DIR.name,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    junk = ignored.stdout.splitlines()
    assert junk == [], (
        f"remove these ignored files from the template folder (cookiecutter renders them): {junk}"
    )
