"""The suite's scratch folders (tests/scratch.py): a run keeps its own, and deletes only runs that ended."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.scratch import STARTING_SECONDS, Scratch, claim, in_use


def filled(run: Path) -> Path:
    """A run's base folder with something in it, as a run leaves it."""
    component = run / "base" / "popen-gw0" / "component" / ".venv"
    component.mkdir(parents=True)
    (component / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    return run


def test_a_run_deletes_the_runs_that_ended_and_keeps_one_still_going(tmp_path: Path) -> None:
    ended = Scratch(tmp_path)
    filled(ended.run)
    ended.close()
    going = Scratch(tmp_path)
    filled(going.run)

    this = Scratch(tmp_path)
    this.close()  # waits for the deletion

    assert not ended.run.exists(), "a run that ended is deleted"
    assert (going.run / "base" / "popen-gw0" / "component" / ".venv" / "pyvenv.cfg").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([going.run.name, this.run.name])
    going.close()


def test_a_run_folder_without_its_lock_yet_is_a_run_starting_unless_it_is_old(tmp_path: Path) -> None:
    starting, crashed = tmp_path / "run-starting", filled(tmp_path / "run-crashed")
    starting.mkdir()
    long_ago = time.time() - STARTING_SECONDS - 5
    os.utime(crashed, (long_ago, long_ago))

    Scratch(tmp_path).close()

    assert starting.is_dir()
    assert not crashed.exists()


def test_the_base_folder_is_the_runs_own_and_pytest_makes_it(tmp_path: Path) -> None:
    scratch = Scratch(tmp_path)
    try:
        assert scratch.basetemp.parent == scratch.run
        assert not scratch.basetemp.exists(), "pytest creates it (and would empty one that exists)"
        assert scratch.run.parent == tmp_path
        assert scratch.run.name.startswith("run-")
    finally:
        scratch.close()


def test_this_run_s_base_folder_is_a_scratch_run(tmp_path: Path) -> None:
    # tmp_path lies below this run's base folder: tests/conftest.py gave pytest the scratch's.
    runs = [parent for parent in tmp_path.parents if parent.name.startswith("run-")]
    assert runs, tmp_path
    assert runs[0].parent.name == "backend-component-template-suites", tmp_path
    assert (runs[0] / ".lock").is_file()


def test_a_run_that_another_run_took_meanwhile_is_left_to_it(tmp_path: Path) -> None:
    # Two runs starting at once both see an ended run: the one that renames it first deletes it.
    gone = tmp_path / "run-taken-by-another"
    assert in_use(gone), "a run folder that disappeared is not this run's to delete"
    assert claim(gone, tmp_path) is None
