"""The compiled-template cache (hooks/answers.py) makes renders faster and never changes what they write."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from jinja2 import (
    DictLoader,
    Environment,
    FileSystemLoader,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from hooks import answers
from tests.rendering import render_cookiecutter, render_copier, tree_differences


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def cached_entries(cache_home: Path) -> list[Path]:
    return [path for path in cache_home.rglob("*") if path.is_file()]


def test_a_render_from_the_cache_writes_the_same_bytes_as_a_first_render(
    cache_home: Path, tmp_path: Path
) -> None:
    first = render_cookiecutter({}, tmp_path / "first")
    entries = cached_entries(cache_home)
    assert entries, "the first render fills the cache"
    assert all(path.parent.name == answers.template_cache_directory().name for path in entries)
    again = render_cookiecutter({}, tmp_path / "again")
    assert tree_differences(first, again) == []
    assert sorted(cached_entries(cache_home)) == sorted(entries), "the second render compiled nothing new"
    # Copier's Jinja settings differ from cookiecutter's: its entries are its own, and its output the same.
    by_copier = render_copier({}, tmp_path / "copier" / "inventory")
    by_copier_again = render_copier({}, tmp_path / "copier-again" / "inventory")
    assert len(cached_entries(cache_home)) > len(entries)
    assert tree_differences(first, by_copier) == []
    assert tree_differences(by_copier, by_copier_again) == []


def test_entries_unused_for_a_month_go_at_the_next_compile_and_entries_in_use_stay(
    cache_home: Path, tmp_path: Path
) -> None:
    render_cookiecutter({}, tmp_path / "first")
    in_use = cached_entries(cache_home)
    stale = in_use[0].parent / ("0" * 64)
    stale.write_bytes(b"compiled for a template release nobody renders any more")
    month_ago, hours_ago = time.time() - 31 * 24 * 3600, time.time() - 2 * 3600
    for path in [*in_use[1:], stale]:
        os.utime(path, (month_ago, month_ago))
    os.utime(in_use[0], (hours_ago, hours_ago))
    render_cookiecutter({}, tmp_path / "again")  # loads every entry in use, and so marks it used
    assert stale.exists(), "a render that compiles nothing deletes nothing"
    assert all(path.stat().st_mtime > hours_ago for path in in_use[1:]), "marked used"
    assert in_use[0].stat().st_mtime == hours_ago, "marked at most once a day: no write per render"
    # The next render that compiles anything (here one new text) deletes what no render has used.
    environment = Environment(extensions=[answers.ComponentAnswers])  # noqa: S701
    assert environment.from_string("{{ release }}, new text").render(release="2") == "2, new text"
    assert not stale.exists()
    assert all(path.exists() for path in in_use)


def test_a_damaged_cache_costs_time_not_correctness(cache_home: Path, tmp_path: Path) -> None:
    first = render_cookiecutter({}, tmp_path / "first")
    for entry in cached_entries(cache_home):
        entry.write_bytes(b"not a compiled template")
    again = render_cookiecutter({}, tmp_path / "again")
    assert tree_differences(first, again) == []


def test_an_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    component = render_cookiecutter({}, tmp_path / "out")
    assert (component / "Makefile").is_file()


def environments(**options: Any) -> tuple[Environment, Environment]:
    """Jinja with the template's extension, and Jinja alone, with the same options. Autoescape is off,
    as in both tools: they render source code, not HTML."""
    with_shortcut = Environment(extensions=[answers.ComponentAnswers], **options)  # noqa: S701
    return with_shortcut, Environment(**options)  # noqa: S701


def template_names() -> set[str]:
    """Every file and folder name of the component template: what both tools render one by one."""
    return {part for path in answers.COMPONENT_TEMPLATE.rglob("*") for part in path.parts}


def test_a_plain_name_renders_as_jinja_renders_it_and_jinja_still_renders_the_rest(cache_home: Path) -> None:
    with_shortcut, jinja_alone = environments(keep_trailing_newline=True)
    context = {"x": 1}
    texts = template_names() | {"", " spaced ", "50%", "a } b", "%} #} }}", "{ x }", "#", "-{-", "README.md"}
    plain = [text for text in texts if not isinstance(with_shortcut.from_string(text), Template)]
    assert len(plain) > len(texts) / 2, "most names are plain text and skip Jinja"
    assert not [text for text in plain if "{{" in text or "{%" in text], "a name with Jinja is rendered"
    for text in plain:
        assert with_shortcut.from_string(text).render(**context) == jinja_alone.from_string(text).render(), (
            text
        )
    for text in ("{{ x }}", "{% if x %}y{% endif %}", "a{# note #}b", "one\ntwo\n", "one\r\ntwo"):
        template = with_shortcut.from_string(text)
        assert isinstance(template, Template), f"{text!r} goes through Jinja"
        assert template.render(**context) == jinja_alone.from_string(text).render(**context)
    with pytest.raises(TypeError):
        with_shortcut.from_string(42)  # type: ignore[arg-type]  # copier relies on Jinja's TypeError here


def test_a_file_without_jinja_renders_as_jinja_renders_it_and_the_others_go_through_jinja(
    cache_home: Path,
) -> None:
    with_shortcut, jinja_alone = environments(keep_trailing_newline=True)
    files = [path for path in answers.COMPONENT_TEMPLATE.rglob("*") if path.is_file()]
    names = [path.relative_to(answers.COMPONENT_TEMPLATE).as_posix() for path in files]
    for environment in (with_shortcut, jinja_alone):
        environment.loader = FileSystemLoader(answers.COMPONENT_TEMPLATE)

    def handed_back(name: str) -> bool:
        try:
            return not isinstance(with_shortcut.get_template(name), Template)
        except TemplateError:  # Compiled, and in need of a tool's filters: a file with Jinja in it.
            return False

    plain = [name for name in names if handed_back(name)]
    assert len(plain) > 60, "a good part of the component's files have no Jinja in them"
    for name in plain:
        assert with_shortcut.get_template(name).render(x=1) == jinja_alone.get_template(name).render(), name
    assert "{{" not in "".join(with_shortcut.get_template(name).render() for name in plain)

    # What Jinja would change goes through it: Jinja syntax, a carriage return (a file loader's text
    # has none: it reads with universal newlines); and where an environment drops the last newline,
    # every file.
    files_by_name = {"syntax.txt": "{{ x }}\n", "windows.txt": "one\r\ntwo\r\n", "plain.txt": "plain\n"}
    drops_newline, _ = environments()
    for environment in (with_shortcut, jinja_alone, drops_newline):
        environment.loader = DictLoader(files_by_name)
    for name, expected in (("syntax.txt", "1\n"), ("windows.txt", "one\ntwo\n"), ("plain.txt", "plain\n")):
        template = with_shortcut.get_template(name)
        assert isinstance(template, Template) == (name != "plain.txt"), name
        assert template.render(x=1) == jinja_alone.get_template(name).render(x=1) == expected
    assert isinstance(drops_newline.get_template("plain.txt"), Template)
    assert drops_newline.get_template("plain.txt").render() == "plain"
    with pytest.raises(TemplateNotFound):
        with_shortcut.get_template("missing.txt")


def test_another_jinja_syntax_turns_the_plain_text_shortcut_off(cache_home: Path) -> None:
    with_shortcut, jinja_alone = environments(line_statement_prefix="%%", keep_trailing_newline=True)
    text = "%% if x"
    assert isinstance(with_shortcut.from_string(f"{text}\ny\n%% endif\n"), Template)
    with pytest.raises(TemplateSyntaxError):
        jinja_alone.from_string(text)
    with pytest.raises(TemplateSyntaxError):
        with_shortcut.from_string(text)


def test_no_name_uses_copier_s_yield_tag_which_the_shortcut_and_the_cache_would_not_reset() -> None:
    # Copier clears the yield tag's state while it compiles; cached and plain templates are not compiled.
    yield_tag = re.compile(r"\{%-?\s*yield\b")
    assert not [name for name in template_names() if yield_tag.search(name)]


def test_cookiecutter_asks_git_s_rule_for_the_template_s_files_and_binaryornot_for_any_other(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from binaryornot.check import is_binary as binaryornot
    from cookiecutter import generate

    # The two rules agree on every file of the component template, and on a binary file.
    files = [path for path in answers.COMPONENT_TEMPLATE.rglob("*") if path.is_file()]
    assert len(files) > 150
    assert [path for path in files if answers.is_binary_file(path) != binaryornot(str(path))] == []
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    text = tmp_path / "notes.txt"
    text.write_text("plain text\n", encoding="utf-8")
    assert answers.is_binary_file(png)
    assert binaryornot(str(png))
    assert not answers.is_binary_file(text)
    assert not binaryornot(str(text))

    # Once the extension is loaded (as cookiecutter loads it), the template's files get the quick rule;
    # any other path (another template rendered in the same process) still gets binaryornot.
    monkeypatch.setattr(generate, "is_binary", binaryornot)
    asked: list[str] = []
    quick = answers.is_binary_file

    def asking(path: str) -> bool:
        asked.append(str(path))
        return quick(path)

    monkeypatch.setattr(answers, "is_binary_file", asking)
    for _ in range(2):  # A second environment does not wrap the check again.
        Environment(extensions=[answers.ComponentAnswers])  # noqa: S701
    template_file = answers.COMPONENT_TEMPLATE / "pyproject.toml"
    assert generate.is_binary(str(template_file)) is False
    assert generate.is_binary(str(png)) is True
    assert generate.is_binary(str(text)) is False
    # As cookiecutter names them: relative to the component template, its working directory then.
    monkeypatch.chdir(answers.COMPONENT_TEMPLATE)
    relative = str(Path("src") / "{{cookiecutter.package_name}}" / "__init__.py")
    assert generate.is_binary(relative) is False
    assert asked == [str(template_file), relative]
