"""Exclusive OS locks (``fcntl.flock``): released by the kernel when the holder dies, so liveness is
"the lock is held", never "a PID file exists"."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chant.errors import ChantError


class LockBusy(ChantError):
    pass


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float | None = None, *, note: str = "") -> FileLock:
        """Block until held; ``timeout=0`` tries once. Writes ``note`` (e.g. the pid) for diagnostics only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockBusy(f"{self.path.name} is locked by another chant process") from None
                time.sleep(0.02)
        if note:
            os.ftruncate(fd, 0)
            os.write(fd, note.encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def fileno(self) -> int:
        """The locked descriptor (-1 when not held): a child that inherits it keeps the lock alive."""
        return -1 if self._fd is None else self._fd

    def __enter__(self) -> FileLock:
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(path: Path) -> int | None:
    """The pid noted by whoever took ``path``'s lock last (diagnostics: it may have died since)."""
    try:
        note = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return int(note) if note.isdigit() else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return True  # no /proc: trust kill(0)
    return stat[stat.rfind(b")") + 2 :][:1] != b"Z"


def is_locked(path: Path) -> bool:
    """True when some process holds ``path``'s lock right now."""
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@contextmanager
def locked(path: Path, timeout: float | None = None) -> Iterator[FileLock]:
    lock = FileLock(path).acquire(timeout, note=str(os.getpid()))
    try:
        yield lock
    finally:
        lock.release()
