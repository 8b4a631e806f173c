"""The lock installs from the package indexes pyproject.toml names, not a mirror it was relocked through."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

from scripts.lock_indexes import ROOT, problems

PYPI = "https://pypi.org/simple"
MIRROR = "https://pypi-mirror.company.example/simple"
COMPANY = "https://packages.company.example/simple"


def component_copy(tmp_path: Path) -> Path:
    """pyproject.toml and uv.lock as rendered, in a folder of their own."""
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def relocked_through(lock: Path, index: str, packages: int | None = None) -> None:
    """What `uv lock` writes through ``index``: its URL for PyPI's, the first ``packages`` times (or all)."""
    text = lock.read_text(encoding="utf-8")
    lock.write_text(text.replace(f'registry = "{PYPI}"', f'registry = "{index}"', packages or -1), "utf-8")


def test_the_rendered_lock_installs_from_pypi_which_pyproject_names() -> None:
    assert problems(ROOT) == []
    assert f'registry = "{PYPI}"' in (ROOT / "uv.lock").read_text(encoding="utf-8")


def test_a_lock_relocked_through_a_mirror_is_refused_with_the_command_that_relocks_from_pypi(
    tmp_path: Path,
) -> None:
    root = component_copy(tmp_path)
    relocked_through(root / "uv.lock", MIRROR)
    with (ROOT / "uv.lock").open("rb") as lock:
        packages = sum("registry" in package["source"] for package in tomllib.load(lock)["package"])

    [problem] = problems(root)

    assert f"{packages} package(s) install from {MIRROR}, which pyproject.toml does not name" in problem
    assert f"scripts/uv lock --default-index {PYPI}" in problem


def test_a_package_from_a_company_index_pyproject_names_is_accepted_and_one_it_does_not_name_is_not(
    tmp_path: Path,
) -> None:
    root = component_copy(tmp_path)
    relocked_through(root / "uv.lock", COMPANY + "/", packages=1)
    assert len(problems(root)) == 1
    with (root / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
        pyproject.write(f'\n[[tool.uv.index]]\nname = "company"\nurl = "{COMPANY}"\n')
    assert problems(root) == []


def test_the_commit_hook_and_make_lint_run_the_check() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    hook = hooks["lock-indexes"]
    assert hook["entry"].endswith("python -m scripts.lock_indexes")
    assert all(re.search(hook["files"], name) for name in ("uv.lock", "pyproject.toml"))
    lint = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "python -m scripts.lock_indexes" in lint
