"""The suite's scratch folders (tests/scratch.py): a run keeps its own while it runs, deletes nothing then,
and at its end deletes only runs that ended."""

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


def ended(scratch: Scratch, *, passed: bool) -> None:
    """The run's end as tests/conftest.py has it, waiting for the deletion a run does not wait for."""
    scratch.passed = passed
    scratch.close()
    if scratch.deleting is not None:
        assert scratch.deleting.wait(timeout=60) == 0


def test_a_run_that_passed_leaves_nothing_behind(tmp_path: Path) -> None:
    run = Scratch(tmp_path)
    filled(run.run)

    ended(run, passed=True)

    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_s_files_stay_until_the_next_run_ends_and_a_run_still_going_keeps_its_own(
    tmp_path: Path,
) -> None:
    failed = Scratch(tmp_path)
    filled(failed.run)
    ended(failed, passed=False)
    assert (failed.run / "base" / "popen-gw0" / "component" / ".venv" / "pyvenv.cfg").is_file()
    going = Scratch(tmp_path)
    filled(going.run)

    this = Scratch(tmp_path)
    # Nothing is deleted while this run's tests make their files: the failed run is only set aside.
    (set_aside,) = this.trash
    assert (set_aside / "base" / "popen-gw0" / "component" / ".venv" / "pyvenv.cfg").is_file()
    assert not failed.run.exists()
    ended(this, passed=True)

    assert [path.name for path in tmp_path.iterdir()] == [going.run.name]
    assert (going.run / "base" / "popen-gw0" / "component" / ".venv" / "pyvenv.cfg").is_file()
    ended(going, passed=False)


def test_a_run_folder_without_its_lock_yet_is_a_run_starting_unless_it_is_old(tmp_path: Path) -> None:
    starting, crashed = tmp_path / "run-starting", filled(tmp_path / "run-crashed")
    starting.mkdir()
    long_ago = time.time() - STARTING_SECONDS - 5
    os.utime(crashed, (long_ago, long_ago))

    ended(Scratch(tmp_path), passed=True)

    assert [path.name for path in tmp_path.iterdir()] == [starting.name]


def test_the_deletion_outlives_the_run_in_a_session_of_its_own(tmp_path: Path) -> None:
    run = Scratch(tmp_path)
    filled(run.run)
    run.passed = True
    run.close()
    deleting = run.deleting
    assert deleting is not None
    # Its own session: whatever stops the run's process group (Ctrl-C, a CI job's end) spares it. Asked
    # before it is waited for, so even a deletion already done is still there to ask (a zombie).
    assert os.getsid(deleting.pid) == deleting.pid
    assert deleting.wait(timeout=60) == 0
    assert list(tmp_path.iterdir()) == []


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
