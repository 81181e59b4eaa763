"""Shared driver for providers that are external programs (claude, codex, gemini, command)."""

from __future__ import annotations

import json
import shlex
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.process import run_process
from chant.agents.text import OutputTail, clip


@dataclass
class RunState:
    """What a stream parser learns while the agent runs; turned into an AgentResult at the end."""

    model: str | None = None
    session_id: str | None = None
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    is_error: bool = False
    error: str | None = None
    final_text: str | None = None
    output: OutputTail = field(default_factory=OutputTail)
    saw_stdout: bool = False
    stderr_tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))


class StreamParser:
    """Base for per-provider parsers: subclasses handle one stdout line at a time."""

    def __init__(self, request: AgentRequest) -> None:
        self.request = request
        self.log = request.log
        self.state = RunState()

    def on_stdout(self, line: str) -> None:
        """JSON-lines providers: decode one event; anything else (banners, warnings) goes to the log as is,
        since it is often the only clue when an agent fails."""
        if not line.strip():
            return
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict):
            self.log(line)
            return
        self.on_event(event)

    def on_event(self, event: dict[str, Any]) -> None:
        raise NotImplementedError

    def on_stderr(self, line: str) -> None:
        if line.strip():
            self.state.stderr_tail.append(line)
        self.log(f"[stderr] {line}")

    def finish(self) -> None:
        """Called once after the process is gone, to flush partial state."""


def command_prefix(request: AgentRequest, default: str) -> list[str]:
    """``settings["command"]`` replaces the executable (a wrapper, a pinned path); a string is shell-split."""
    configured = request.settings.get("command")
    if isinstance(configured, str):
        return shlex.split(configured)
    return [str(part) for part in configured] if configured else [default]


def extra_args(request: AgentRequest) -> list[str]:
    """``settings["extra_args"]``: flags chant does not know about (sandbox modes, allowed dirs...)."""
    extra = request.settings.get("extra_args") or []
    return shlex.split(extra) if isinstance(extra, str) else [str(a) for a in extra]


def run_cli(request: AgentRequest, argv: list[str], parser: StreamParser) -> AgentResult:
    state = parser.state

    def stdout(line: str) -> None:
        if line.strip():
            state.saw_stdout = True
        parser.on_stdout(line)

    outcome = run_process(
        argv,
        cwd=request.worktree,
        env=request.env,
        stdin_text=request.prompt,
        timeout=request.timeout,
        cancel=request.cancel,
        on_stdout_line=stdout,
        on_stderr_line=parser.on_stderr,
    )
    parser.finish()
    if not state.output and state.final_text:
        state.output.add(state.final_text)
    error = _error_for(outcome.error, outcome.exit_code, outcome.timed_out, outcome.cancelled, request, state)
    return AgentResult(
        ok=error is None,
        exit_code=outcome.exit_code,
        error=error,
        model=state.model or request.model,
        cost_usd=state.cost_usd,
        input_tokens=state.input_tokens,
        output_tokens=state.output_tokens,
        session_id=state.session_id,
        timed_out=outcome.timed_out,
        cancelled=outcome.cancelled,
        output=state.output.value(),
    )


def _error_for(
    spawn_error: str | None,
    exit_code: int | None,
    timed_out: bool,
    cancelled: bool,
    request: AgentRequest,
    state: RunState,
) -> str | None:
    if spawn_error:
        return spawn_error
    if cancelled:
        return "agent cancelled"
    if timed_out:
        return f"agent timed out after {request.timeout:g}s"
    if state.is_error:
        return clip(state.error or "agent reported an error", 300)
    if exit_code != 0:
        detail = f": {clip(state.stderr_tail[-1], 200)}" if state.stderr_tail else ""
        if exit_code is not None and exit_code < 0:
            head = f"agent killed by signal {-exit_code}"
        else:
            head = f"agent exited with status {exit_code}"
        if not state.saw_stdout and not state.stderr_tail:
            return head + " with no output (it may have died immediately)"
        return head + detail
    return None
