from __future__ import annotations

import os
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chant.agents.base import AgentRequest


class LogSink:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        assert "\n" not in line, f"log lines must be single lines: {line!r}"
        with self._lock:
            self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    path = tmp_path / "bin"
    path.mkdir()
    return path


FAKE_VERSION = "9.9.9 (fake)"


def write_script(directory: Path, name: str, body: str, version: str | None = FAKE_VERSION) -> Path:
    """A python executable that runs with this interpreter, findable on PATH as ``name``; like the real
    CLIs it answers ``--version`` (chant probes it before each run) unless ``version`` is None."""
    path = directory / name
    answer = (
        f"import sys as _sys\nif _sys.argv[1:] == ['--version']:\n    print({version!r})\n    raise SystemExit(0)\n"
        if version
        else ""
    )
    path.write_text(f"#!{sys.executable}\n" + answer + textwrap.dedent(body))
    path.chmod(0o755)
    return path


@pytest.fixture
def make_request(tmp_path: Path, bin_dir: Path) -> Callable[..., AgentRequest]:
    worktree = tmp_path / "worktree"
    worktree.mkdir()

    def build(prompt: str = "do the task", **overrides: Any) -> AgentRequest:
        prompt_file = tmp_path / "prompt.md"
        prompt_file.write_text(prompt)
        env = dict(os.environ)
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["CHANT_SPEC_ID"] = "2026-01-01-001-abc"
        fields: dict[str, Any] = {
            "spec_id": "2026-01-01-001-abc",
            "prompt": prompt,
            "prompt_file": prompt_file,
            "worktree": worktree,
            "env": env,
            "model": None,
            "timeout": 20.0,
            "settings": {},
            "log": LogSink(),
            "cancel": threading.Event(),
        }
        fields.update(overrides)
        return AgentRequest(**fields)

    return build


def pid_alive(pid: int) -> bool:
    """True for a running process; zombies (exited, awaiting reaping) count as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status.splitlines())


def logged(request: AgentRequest) -> list[str]:
    assert isinstance(request.log, LogSink)
    return request.log.lines
