"""The one place that spawns agent subprocesses.

Every child runs in its own session so that a timeout, a cancel or Ctrl-C can take down the whole tree
(shells, test runners, dev servers the agent started), not just the direct child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LineCallback = Callable[[str], None]

KILL_GRACE = 3.0
# Readers may stay blocked if a process that escaped the group (setsid) still holds a pipe open.
_READER_JOIN = 2.0
_POLL = 0.05

# Re-entrant: kill_all() may run from a SIGINT handler that interrupted this thread while it held the lock.
_live_lock = threading.RLock()
_live_groups: set[int] = set()


@dataclass
class ProcessOutcome:
    exit_code: int | None
    timed_out: bool
    cancelled: bool
    duration: float
    error: str | None = None


def kill_all(grace: float = 1.0) -> int:
    """SIGTERM every live agent process group, then SIGKILL what is left. Returns how many groups."""
    with _live_lock:
        groups = list(_live_groups)
    for pgid in groups:
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_group_alive(g) for g in groups):
        time.sleep(_POLL)
    for pgid in groups:
        _signal_group(pgid, signal.SIGKILL)
    return len(groups)


def live_groups() -> list[int]:
    with _live_lock:
        return sorted(_live_groups)


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path | str,
    env: dict[str, str] | None,
    stdin_text: str | None,
    timeout: float | None,
    cancel: threading.Event | None,
    on_stdout_line: LineCallback,
    on_stderr_line: LineCallback,
    kill_grace: float = KILL_GRACE,
) -> ProcessOutcome:
    """Run ``argv``, streaming both pipes line by line; callbacks are never called concurrently."""
    start = time.monotonic()
    cancel = cancel or threading.Event()
    if cancel.is_set():
        return ProcessOutcome(None, False, True, 0.0)
    if not argv:
        return ProcessOutcome(None, False, False, 0.0, "empty agent command")
    if not Path(cwd).is_dir():
        return ProcessOutcome(None, False, False, 0.0, f"working directory does not exist: {cwd}")
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL if stdin_text is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        return ProcessOutcome(None, False, False, 0.0, f"agent command not found: {argv[0]}")
    except PermissionError:
        return ProcessOutcome(None, False, False, 0.0, f"agent command is not executable: {argv[0]}")
    except OSError as exc:
        return ProcessOutcome(None, False, False, 0.0, f"cannot start {argv[0]}: {exc.strerror or exc}")

    pgid = proc.pid  # start_new_session makes the child its own group leader
    timed_out = cancelled = False
    failures: list[BaseException] = []
    try:
        with _live_lock:
            _live_groups.add(pgid)
        callback_lock = threading.Lock()
        threads = [
            _reader(proc.stdout, on_stdout_line, callback_lock, failures),
            _reader(proc.stderr, on_stderr_line, callback_lock, failures),
        ]
        if stdin_text is not None:
            threads.append(_writer(proc.stdin, stdin_text))
        deadline = None if timeout is None else start + timeout
        while proc.poll() is None:
            if cancel.is_set():
                cancelled = True
                break
            if deadline is not None and time.monotonic() >= deadline:
                timed_out = True
                break
            cancel.wait(_POLL)
        if timed_out or cancelled:
            _terminate(proc, pgid, kill_grace)
        else:
            _reap_leftovers(pgid, kill_grace)
        for thread in threads:
            thread.join(_READER_JOIN)
    finally:
        if proc.poll() is None:  # an exception escaped above: never leave the tree running
            _terminate(proc, pgid, 0.0)
        with _live_lock:
            _live_groups.discard(pgid)
    if failures:
        raise failures[0]
    return ProcessOutcome(proc.returncode, timed_out, cancelled, time.monotonic() - start)


def _reader(
    stream: IO[bytes] | None, callback: LineCallback, lock: threading.Lock, failures: list[BaseException]
) -> threading.Thread:
    def pump() -> None:
        assert stream is not None
        with stream:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if failures:
                    continue  # keep draining so the child never blocks on a full pipe
                try:
                    with lock:
                        callback(line)
                except BaseException as exc:  # surfaced to the caller once the process is gone
                    failures.append(exc)

    thread = threading.Thread(target=pump, name="agent-pipe-reader", daemon=True)
    thread.start()
    return thread


def _writer(stream: IO[bytes] | None, text: str) -> threading.Thread:
    # A separate thread: a large prompt fills the pipe buffer while the child is still busy writing.
    def feed() -> None:
        assert stream is not None
        try:
            stream.write(text.encode("utf-8"))
        except (BrokenPipeError, OSError):
            pass  # the agent exited or closed stdin without reading everything; not our failure
        finally:
            try:
                stream.close()
            except OSError:
                pass

    thread = threading.Thread(target=feed, name="agent-stdin-writer", daemon=True)
    thread.start()
    return thread


def _terminate(proc: subprocess.Popen[bytes], pgid: int, grace: float) -> None:
    _signal_group(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    # Always follow with SIGKILL: grandchildren may ignore SIGTERM even when the leader did not.
    deadline = time.monotonic() + grace
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(_POLL)
    _signal_group(pgid, signal.SIGKILL)
    proc.wait()


def _reap_leftovers(pgid: int, grace: float) -> None:
    """The leader exited; background children it left would keep our pipes open forever."""
    if not _group_alive(pgid):
        return
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(_POLL)
    _signal_group(pgid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return _live_members_in_proc(pgid)


def _live_members_in_proc(pgid: int) -> bool:
    """killpg(0) also succeeds for zombies, which a slow init may leave around for seconds.

    Where /proc exists, only members that are not zombies count; elsewhere assume the group is alive.
    """
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # Fields after the parenthesised command name: state ppid pgrp ...
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != b"Z":
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
