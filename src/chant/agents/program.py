"""The program behind a CLI provider: which executable runs, and which version of it is installed."""

from __future__ import annotations

import os
import shlex
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Provider name -> the executable it runs unless ``agents.<name>.command`` says otherwise.
PROGRAMS: dict[str, str] = {"claude": "claude", "codex": "codex", "gemini": "gemini"}
PROBE_TIMEOUT = 20.0  # node-based CLIs take a few seconds to start on a loaded machine

_probe_lock = threading.Lock()
_probed: dict[tuple[tuple[str, ...], str], str | None] = {}


def command_prefix(settings: Mapping[str, Any], default: str) -> list[str]:
    """``settings["command"]`` replaces the executable (a wrapper, a pinned path); a string is shell-split."""
    configured = settings.get("command")
    if isinstance(configured, str):
        return shlex.split(configured)
    return [str(part) for part in configured] if configured else [default]


def probe_version(
    name: str, settings: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> str | None:
    """What ``<cli> --version`` prints (its first line, escapes removed) for the CLI provider ``name``
    (claude, codex, gemini), run with ``settings["command"]`` if set and ``env`` (default: this process's).

    None when ``name`` is not a CLI provider, the program is missing, fails or prints nothing. Cached for
    the life of the process (one run of chant), per command and ``PATH``.
    """
    from chant.agents.process import run_process
    from chant.agents.text import strip_ansi

    program = PROGRAMS.get((name or "").strip().lower())
    if program is None:
        return None
    argv = [*command_prefix(settings or {}, program), "--version"]
    environ = dict(os.environ if env is None else env)
    key = (tuple(argv), environ.get("PATH", ""))
    with _probe_lock:
        if key in _probed:
            return _probed[key]
        lines: list[str] = []
        outcome = run_process(
            argv,
            cwd=Path.home() if Path.home().is_dir() else Path("/"),
            env=environ,
            stdin_text=None,
            timeout=PROBE_TIMEOUT,
            cancel=None,
            on_stdout_line=lines.append,
            on_stderr_line=lambda _line: None,
        )
        found = next((strip_ansi(line).strip() for line in lines if line.strip()), None)
        version = found if outcome.exit_code == 0 and found else None
        _probed[key] = version
        return version
