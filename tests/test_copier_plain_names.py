"""Copier renders a plain name without building its render context first (``hooks/answers.py``).

Copier renders every part of every path and the answers file's name some 1,300 times a default render,
each time after building its whole render context. The answer rules hand a plain name back as it is;
shown with the real copier, in this process: the same component as copier renders it as it ships, with
a fraction of the contexts built, and another template (Jinja in its names, a yield tag, an answers
file whose name is a template) rendered the same in a process where this template's renders ran.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
import pytest
from copier import _main as copier_main
from jinja2 import Environment

from hooks import answers
from tests.rendering import ROOT, tree_differences

Worker = copier_main.Worker
CHANGED = ("_render_string", "answers_relpath")


def copiers_own(name: str) -> Any:
    """Copier's attribute as it ships, also after this template's renders in this process changed it."""
    return answers.as_shipped(vars(Worker)[name])


def as_copier_ships_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copier's own methods, kept so for the renders that follow: a copier release not read (the
    answer rules leave such a release as it ships) and the attributes as copier defined them."""
    monkeypatch.setattr(copier, "__version__", "9.20.0")
    for name in CHANGED:
        monkeypatch.setattr(Worker, name, copiers_own(name))


def as_the_template_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer rules change copier's methods as in a render (the same release, read)."""
    monkeypatch.setattr(copier, "__version__", "9.19.1")
    for name in CHANGED:
        monkeypatch.setattr(Worker, name, copiers_own(name))
    Environment(extensions=[answers.ComponentAnswers])  # noqa: S701 - no HTML here
    for name in CHANGED:
        current = vars(Worker)[name]
        assert current is not copiers_own(name)
        assert answers.as_shipped(current) is copiers_own(name)


def render(template: str, destination: Path, **data: object) -> int:
    """Render in this process, without tasks; how many render contexts copier built."""
    built = 0
    build = Worker._render_context

    def counted(worker: copier_main.Worker) -> Any:
        nonlocal built
        built += 1
        return build(worker)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Worker, "_render_context", counted)
        copier.run_copy(
            template,
            destination,
            data=data,
            defaults=True,
            unsafe=True,
            quiet=True,
            vcs_ref="HEAD",
            skip_tasks=True,
        )
    return built


def both_ways(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, template: str, **data: object
) -> tuple[Path, int, Path, int]:
    shipped, run = tmp_path / "as-shipped" / "inventory", tmp_path / "as-run" / "inventory"
    ways: list[tuple[Callable[[pytest.MonkeyPatch], None], Path]] = [
        (as_copier_ships_it, shipped),
        (as_the_template_runs_it, run),
    ]
    built: list[int] = []
    for way, destination in ways:
        with monkeypatch.context() as patch:
            way(patch)
            built.append(render(template, destination, **data))
    return shipped, built[0], run, built[1]


def test_a_default_render_is_the_same_with_a_fraction_of_the_contexts_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shipped, built_as_shipped, run, built_as_run = both_ways(monkeypatch, tmp_path, str(ROOT))
    assert tree_differences(shipped, run) == []
    # The record too (not its `_commit`: with uncommitted changes, copier commits them in each clone).
    records = [
        [line for line in (way / ".copier-answers.yml").read_text().splitlines() if "_commit" not in line]
        for way in (shipped, run)
    ]
    assert records[0] == records[1]
    files = sum(1 for path in run.rglob("*") if path.is_file())
    # Copier builds a context for every file it renders; for plain names, no more.
    assert built_as_shipped > 5 * files, (built_as_shipped, files)
    assert built_as_run < 2 * files, (
        f"copier built {built_as_run} render contexts for {files} files ({built_as_shipped} as it ships): "
        "read copier's Worker._render_string and Worker.answers_relpath, and the change in hooks/answers.py"
    )


def test_another_templates_names_answers_file_and_yield_tag_render_as_copier_renders_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    template = tmp_path / "another-template"
    files = {
        "copier.yml": (
            "_answers_file: '.answers-{{ project }}.yml'\n"
            "project: {type: str, default: shop}\n"
            "parts: {type: yaml, default: [cart, till]}\n"
        ),
        "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
        "README.md": "plain\n",
        "{{ project }}/{% yield part from parts %}{{ part }}{% endyield %}.py.jinja": "NAME = '{{ part }}'\n",
        "{{ project }}/plain/same.txt": "{{ not rendered }}\n",
    }
    for name, text in files.items():
        (template / name).parent.mkdir(parents=True, exist_ok=True)
        (template / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "--quiet"], cwd=template, check=True)
    subprocess.run(["git", "add", "--all"], cwd=template, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "--quiet", "-m", "t"],
        cwd=template,
        check=True,
    )
    shipped, _, run, _ = both_ways(monkeypatch, tmp_path, str(template), project="kiosk")
    assert sorted(str(path.relative_to(run)) for path in run.rglob("*") if path.is_file()) == [
        ".answers-kiosk.yml",
        "README.md",
        "kiosk/cart.py",
        "kiosk/plain/same.txt",
        "kiosk/till.py",
    ]
    assert tree_differences(shipped, run) == []
    assert (run / "kiosk" / "till.py").read_text() == "NAME = 'till'\n"
