"""Test-only crash injection: ``CHANT_TEST_CRASH_AT=<step>`` makes chant SIGKILL itself at that step.

The recovery table in docs/design.md promises what is on disk when chant dies at each step of the pipeline
and what the next ``chant work`` does about it; tests/run/test_crash_recovery.py proves every row by dying
there for real (the kernel's SIGKILL: no ``finally``, no atexit, locks released by the kernel alone). Not a
user feature: nothing but that test should ever set the variable.

Steps, in pipeline order: ``start`` (the in_progress commit is on main), ``agent`` (the agent just
started), ``check`` (the agent exited), ``gate`` (the merge gate's scratch worktree is checked out, its commands not run yet), ``merge-commit`` (merge commit made, main not moved),
``checkout-update`` (inside git's fast-forward of the checkout: its index.lock taken, part of the files
written), ``checkout-done`` (files and index at the merge, git killed before its ref update),
``status-commit`` (the completion is on main, the checkout's spec file not yet rewritten),
``branch-delete`` (completed, branch not deleted yet), ``driver-complete`` (every member done, the driver
not yet recorded).
"""

from __future__ import annotations

import os
import signal

STEPS = (
    "start",
    "agent",
    "check",
    "gate",
    "merge-commit",
    "checkout-update",
    "checkout-done",
    "status-commit",
    "branch-delete",
    "driver-complete",
)


def armed(step: str) -> bool:
    return os.environ.get("CHANT_TEST_CRASH_AT") == step


def point(step: str) -> None:
    """Die here, now, the way ``kill -9`` does, if the test asked for this step."""
    if armed(step):
        os.kill(os.getpid(), signal.SIGKILL)
