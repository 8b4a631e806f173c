"""The compiled-template cache (hooks/answers.py) makes renders faster and never changes what they write."""

from __future__ import annotations

from pathlib import Path

import pytest

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
