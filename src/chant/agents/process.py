"""The one place that spawns agent subprocesses.

Every child runs in its own session so that a timeout, a cancel or Ctrl-C can take down the whole tree
(shells, test runners, dev servers the agent started), not just the direct child.

Every child also dies with the chant that started it, however chant dies: the group leader gets
``PR_SET_PDEATHSIG`` (Linux), and a watchdog process outside chant's session (``watchdog.py``) ends the
whole group when its pipe from chant closes without a ``done``. File descriptors registered with
``holding()`` (the spec's run lock) are inherited by that watchdog, so the lock outlives chant until the
group is gone.

Output is read in lines of at most ``MAX_LINE_BYTES``; the rest of a longer line is counted and dropped, so
an agent that prints a gigabyte without a newline costs chant a megabyte.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from chant.agents.watchdog import members as _group_alive
from chant.agents.watchdog import signal_group as _signal_group

LineCallback = Callable[[str], None]

KILL_GRACE = 3.0
MAX_LINE_BYTES = 1024 * 1024
_WATCHDOG = Path(__file__).with_name("watchdog.py")
_PR_SET_PDEATHSIG = 1
# Descriptors the next agents started from this thread's context hand to their watchdog (see holding()).
_held_fds: ContextVar[tuple[int, ...]] = ContextVar("chant_held_fds", default=())
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
    """The process groups of agents running now (a test hook: the supervision tests watch them)."""
    with _live_lock:
        return sorted(_live_groups)


@contextlib.contextmanager
def holding(*fds: int) -> Iterator[None]:
    """Processes started inside this block keep ``fds`` open in their watchdog until their group is gone.

    Used for the spec's run lock (an ``flock`` lives as long as any process holds its descriptor): if
    chant dies, the lock stays held until the watchdog has stopped the agent, so no second chant can start
    another agent in the same worktree meanwhile.
    """
    token = _held_fds.set(tuple(fd for fd in fds if fd >= 0))
    try:
        yield
    finally:
        _held_fds.reset(token)


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
    watchdog = _Watchdog.start(_held_fds.get())
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL if stdin_text is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            **_parent_death_signal(),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        watchdog.done()
        return ProcessOutcome(None, False, False, 0.0, _spawn_error(argv[0], exc))

    pgid = proc.pid  # start_new_session makes the child its own group leader
    watchdog.watch(pgid)
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
        watchdog.done()
    if failures:
        raise failures[0]
    return ProcessOutcome(proc.returncode, timed_out, cancelled, time.monotonic() - start)


def _spawn_error(command: str, exc: OSError | subprocess.SubprocessError) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"agent command not found: {command}"
    if isinstance(exc, PermissionError):
        return f"agent command is not executable: {command}"
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    return f"cannot start {command}: {detail}"


class _Watchdog:
    """chant's end of one agent group's watchdog (see ``watchdog.py``): a pipe only this process writes."""

    def __init__(self, proc: subprocess.Popen[bytes] | None, pipe: int | None) -> None:
        self._proc = proc
        self._pipe = pipe

    @classmethod
    def start(cls, hold: tuple[int, ...]) -> _Watchdog:
        if os.name != "posix":
            return cls(None, None)
        read_end, write_end = os.pipe()  # not inheritable: no other child may keep the pipe open
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(_WATCHDOG)],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=hold,
                start_new_session=True,  # out of reach of Ctrl-C, a hangup or a kill of chant's group
                close_fds=True,
            )
        except OSError:
            os.close(write_end)
            return cls(None, None)
        finally:
            os.close(read_end)
        return cls(proc, write_end)

    def watch(self, pgid: int) -> None:
        self._send(f"{pgid}\n")

    def done(self) -> None:
        """The group is gone (or was never started): let the watchdog exit without acting."""
        self._send("done\n")
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        # Not waited for: it may still be starting (a Python start-up), and `done` makes it exit at once.
        # subprocess reaps it with the next child chant starts, or at exit.
        self._proc = None

    def _send(self, text: str) -> None:
        if self._pipe is None:
            return
        try:
            os.write(self._pipe, text.encode())
        except OSError:  # the watchdog died (someone killed it): the agent still has PDEATHSIG
            os.close(self._pipe)
            self._pipe = None


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


def _parent_death_signal() -> dict[str, Any]:
    """Popen arguments that make the group leader get SIGKILL when its parent (this thread) exits."""
    prctl = _prctl()  # resolved here: the child must not load libraries between fork and exec
    if prctl is None:
        return {}
    parent = os.getpid()

    def setup() -> None:  # runs in the child between fork and exec: nothing that takes a lock
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # chant died before the signal was armed
            os._exit(137)

    return {"preexec_fn": setup}


def _reader(
    stream: IO[bytes] | None, callback: LineCallback, lock: threading.Lock, failures: list[BaseException]
) -> threading.Thread:
    def pump() -> None:
        assert stream is not None
        with stream:
            for line in capped_lines(stream):
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


def capped_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[str]:
    """Decoded lines of ``stream``, none longer than ``limit`` bytes: the rest of a longer line is dropped
    (and counted in a marker), so memory stays bounded whatever the other end writes."""
    while True:
        raw = stream.readline(limit)
        if not raw:
            return
        if not raw.endswith(b"\n") and len(raw) >= limit:
            dropped = 0
            while True:
                rest = stream.readline(limit)
                dropped += len(rest.rstrip(b"\r\n"))
                if not rest or rest.endswith(b"\n"):
                    break
            if dropped:
                text = raw.decode("utf-8", errors="replace")
                yield f"{text} [... line cut at {limit} bytes, {dropped} more dropped]"
                continue
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


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
