"""The watchdog of one agent process group: ends the group when the chant that started it dies.

Run by path (``python -I -S watchdog.py``), not imported: it needs nothing but the standard library and must
start fast. chant starts it in a session of its own (so neither Ctrl-C, a closed terminal nor ``kill -9`` of
chant's process group reaches it) with stdin the read end of a pipe whose only write end chant holds. chant
writes the agent's process group ID as one line once the agent is started, and ``done`` once the group is
gone. End of file without ``done`` means chant died however it died (``kill -9`` included): the watchdog
sends SIGTERM to the group, SIGKILL after a grace period, and exits once no member is left.

``PR_SET_PDEATHSIG`` (set on the group leader by chant) only reaches the leader, and fires when the chant
*thread* that forked it exits; the watchdog covers the grandchildren (shells, test runners, servers).

File descriptors chant passes (the spec's run lock) stay open here until the group is gone, so the lock is
held -- and a second chant refuses to run the spec -- for as long as any agent process of it lives.
"""

from __future__ import annotations

import os
import signal
import sys
import time

GRACE = 2.0  # SIGTERM -> SIGKILL
GONE_TIMEOUT = 10.0  # after SIGKILL: members in uninterruptible sleep may take a moment
POLL = 0.05


class _Terminated(Exception):
    pass


_group: list[int] = []  # the group chant named, for the SIGTERM handler


def read_commands() -> int | None:
    """The group to stop if chant died, or None (chant said ``done``, or died before starting one)."""
    pending = b""
    while True:
        try:
            chunk = os.read(0, 256)
        except InterruptedError:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            return _group[-1] if _group else None
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            word = line.strip()
            if word == b"done":
                return None
            if word.isdigit():
                _group.append(int(word))


def members(pgid: int) -> bool:
    """Does the group still have a member that is not a zombie? (killpg(0) also succeeds for zombies.)"""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
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
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != b"Z":
            return True
    return False


def signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_gone(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not members(pgid):
            return True
        time.sleep(POLL)
    return not members(pgid)


def stop(pgid: int) -> None:
    signal_group(pgid, signal.SIGTERM)
    if not wait_gone(pgid, GRACE):
        signal_group(pgid, signal.SIGKILL)
        wait_gone(pgid, GONE_TIMEOUT)


def _on_term(_signum: int, _frame: object) -> None:
    raise _Terminated


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)  # a terminal or chant's process group is not ours to follow
    # Stopped itself (a shutdown, a user's kill): take the group down first rather than orphan it.
    signal.signal(signal.SIGTERM, _on_term)
    try:
        pgid = read_commands()
    except _Terminated:
        pgid = _group[-1] if _group else None
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if pgid is not None:
        stop(pgid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
