"""Child processes that do not outlive the process that started them, however it ends.

A finalizer that stops a child by its PID runs only if the parent gets to run it. A parent killed with
SIGKILL (what a timeout usually sends, and what CI sends to a cancelled run) runs nothing, and the
emulators it started would keep running, holding memory and ports, until someone finds them.

- On Linux every child started here asks the kernel to kill it when its parent dies
  (``PR_SET_PDEATHSIG``), set in the child between fork and exec.
- ``process_group`` runs a command in a process group of its own, with whatever it starts, and kills
  the whole group when the block ends: a test that fails or times out leaves nothing behind.

Processes are only ever signalled by the PID or process group this module started, never by name.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# SIGKILL, not SIGTERM: a child that hangs (or was stopped) ignores SIGTERM, and once its parent is gone
# nobody is left to follow up with SIGKILL. Nothing started here needs a graceful stop: the emulators
# keep their data in memory, and the local deploy's own children are killed with it in turn.
_PARENT_DEATH_SIGNAL = signal.SIGKILL


def spawn(command: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(command, **options)``; on Linux the child is killed when this process dies."""
    parent_death_signal = _parent_death_signal()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(list(command), preexec_fn=parent_death_signal, **options)

    return _launcher(os.getpid()).submit(start).result()


@contextlib.contextmanager
def process_group(command: Sequence[str], **options: Any) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` started as the leader of a new process group, which is killed when the block ends.

    Whatever the command starts joins its group, so one signal stops all of it: after a graceful stop
    in the block there is nothing left to kill; after a failure or a timeout everything still running
    is killed. (POSIX only: process groups do not exist on Windows.)
    """
    process = spawn(command, start_new_session=True, **options)
    try:
        yield process
    finally:
        # While any member is left the kernel does not reuse the group's ID, so this signals only what the
        # command started; once none is left there is nothing to signal.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@functools.cache
def _launcher(process_id: int) -> ThreadPoolExecutor:
    """The one thread of this process that forks its children, and lives as long as the process.

    Linux sends the parent-death signal when the *thread* that forked the child ends, not the process:
    a child forked from a short-lived thread (a pool worker, a request handler) would be killed with
    that thread. Keyed by process ID: a forked copy of this process inherits the executor but not its
    thread, so it needs one of its own.
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="child-process-launcher")


def _parent_death_signal() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        # macOS and the BSDs have no parent-death signal: there a child outlives a parent killed with
        # SIGKILL, and only the finalizers and process_group's kill stop it.
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child only calls it
    return functools.partial(_die_with_parent, prctl, os.getpid())


def _die_with_parent(prctl: Any, parent: int) -> None:
    """Runs in the child, between fork and exec; the setting survives the exec."""
    if prctl(_PR_SET_PDEATHSIG, int(_PARENT_DEATH_SIGNAL)) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # A parent that died between the fork and the prctl sends no signal: stop now, before the exec.
    if os.getppid() != parent:
        os._exit(1)
