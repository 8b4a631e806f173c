"""Where a run of the template's suite writes, and how the runs' files go without anyone waiting.

A run leaves several gigabytes behind: rendered components with their virtual environments and Node
tools, and the quickstart's emptied HOME filled with every downloaded package: about 630,000 files. In
pytest's shared folder (`$TMPDIR/pytest-of-<user>`) the next pytest that exits deletes them, whichever
it is: in the template's next run, one of the components' own `make test` runs inside a full check,
which then stands still for minutes on this machine's disk while its worker holds up the suite.

So the suite's controller puts its base folder in a folder of its own (`SUITES`, one `run-*` per run,
locked while it runs), where no other pytest looks. No run deletes anything while its tests run: on
this machine's disk (ext4 without a journal) every file created in the minutes after many were deleted
is slower to make, and a run is mostly making files (docs/benchmarks.md, the suite). At its start a run
only renames the runs that ended into trash; when it ends, a process of its own deletes that trash and,
when every test passed, this run's folder too, while nobody waits: a failed run's files stay for a look
until the next run ends. A run that is still going (another clone's, at the same time) keeps its lock
and its files.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO

SUITES = Path(tempfile.gettempdir()) / "backend-component-template-suites"
LOCK = ".lock"
STARTING_SECONDS = 60


class Scratch:
    """This run's base folder, its lock, and the deletion of the runs before it."""

    def __init__(self, root: Path = SUITES) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.run = Path(tempfile.mkdtemp(prefix="run-", dir=root))
        self._lock: IO[str] = (self.run / LOCK).open("w")
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        ended = [path for path in root.glob("run-*") if path != self.run and not in_use(path)]
        # Renamed first, so a run starting meanwhile never counts them; one it renamed first is its own.
        self.trash = [claimed for path in ended if (claimed := claim(path, root)) is not None]
        self.trash += [path for path in root.glob("trash-*") if path not in self.trash]
        self.passed = False
        self.deleting: subprocess.Popen[bytes] | None = None

    @property
    def basetemp(self) -> Path:
        return self.run / "base"

    def close(self) -> None:
        """At the end of the run: the trash, and this run's folder if it passed, deleted by a process that
        outlives the run (`deleting`, for a test to wait on), so nobody waits for it."""
        self._lock.close()
        trash = list(self.trash)
        if self.passed and (own := claim(self.run, self.root)) is not None:
            trash.append(own)
        if trash:
            self.deleting = delete_in_background(trash)


def in_use(run: Path) -> bool:
    """Whether a run's controller still holds its lock (a run that crashed released it on exit)."""
    lock_file = run / LOCK
    try:
        if not lock_file.exists():
            # Between a run's folder and its lock there is a moment: a folder that new is a run starting.
            return time.time() - run.stat().st_mtime < STARTING_SECONDS
        with lock_file.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except FileNotFoundError:
        return True  # Gone meanwhile: another run starting took it; not this run's to delete.
    return False


def claim(run: Path, root: Path) -> Path | None:
    """The ended run renamed into this run's trash, or None when another run took it first."""
    try:
        return run.rename(root / f"trash-{uuid.uuid4().hex}")
    except FileNotFoundError:
        return None


def delete_in_background(paths: list[Path]) -> subprocess.Popen[bytes]:
    """A process in a session of its own, its output nowhere: whatever ends the run (make, CI's job
    waiting on the output) neither waits for it nor stops it. Stopped anyway, it leaves trash that the
    next run takes over."""
    script = "import shutil, sys\nfor path in sys.argv[1:]:\n    shutil.rmtree(path, ignore_errors=True)"
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, paths)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
