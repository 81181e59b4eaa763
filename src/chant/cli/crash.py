"""An unexpected exception (a bug in chant, never the user's input) becomes a crash log and one line.

The log holds what a bug report needs -- chant's, Python's and git's versions, the platform, the command
line, the traceback -- under ``.chant/run/crash/`` in a project (``$XDG_CACHE_HOME/chant/crash/`` or
``~/.cache/chant/crash/`` outside one). The user sees one line saying where it is; chant exits 3 (1 is a
failure the user can act on, 2 a usage error), so an unattended runner can tell a bug from a failed spec.

Test hook: ``CHANT_CRASH_TEST=1`` makes any command raise an internal error on purpose, so the tests can
check this path without planting a bug.
"""

from __future__ import annotations

import os
import sys

EXIT_CODE = 3
CRASH_TEST_VAR = "CHANT_CRASH_TEST"


class CrashTest(RuntimeError):
    """Raised on purpose when ``CHANT_CRASH_TEST=1`` (see the module docstring)."""


def maybe_crash_for_test() -> None:
    if os.environ.get(CRASH_TEST_VAR) == "1":
        raise CrashTest(f"deliberate internal error ({CRASH_TEST_VAR}=1)")


def crash_dir(cwd: str | None = None) -> str:
    here = os.path.realpath(cwd or os.getcwd())
    while True:
        if os.path.isdir(os.path.join(here, ".chant")):
            return os.path.join(here, ".chant", "run", "crash")
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "chant", "crash")


def _git_version() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "--version"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    return out.stdout.strip() or "unavailable"


def write_log(exc: BaseException, argv: list[str]) -> str:
    """Write the crash log for ``exc``; returns its path (raises OSError when nothing can be written)."""
    import platform
    import time
    import traceback

    from chant import __version__

    directory = crash_dir()
    if directory.endswith(os.path.join(".chant", "run", "crash")):
        from pathlib import Path

        from chant.project import ensure_run_dir

        ensure_run_dir(Path(directory).parent)  # .chant/run/ ignores itself
    os.makedirs(directory, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = os.path.join(directory, f"crash-{stamp}-{os.getpid()}.log")
    lines = [
        f"chant {__version__}",
        f"python {sys.version.split()[0]} ({sys.executable})",
        f"platform {platform.platform()}",
        _git_version(),
        f"command: chant {' '.join(argv)}",
        f"cwd: {os.getcwd()}",
        "",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    ]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    return path


def report(exc: BaseException, argv: list[str]) -> int:
    """Log ``exc`` and say so on stderr in one line; returns the exit code."""
    summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    try:
        where = write_log(exc, argv)
    except OSError as problem:
        sys.stderr.write(
            f"error: internal error in chant ({summary}); the crash log could not be written ({problem})\n"
        )
    else:
        sys.stderr.write(
            f"error: internal error in chant ({summary}); details in {where} (please attach it to a bug report)\n"
        )
    sys.stderr.flush()
    return EXIT_CODE
