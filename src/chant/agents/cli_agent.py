"""Shared driver for providers that are external programs (claude, codex, gemini, command)."""

from __future__ import annotations

import json
import re
import shlex
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.process import run_process
from chant.agents.program import probe_version
from chant.agents.text import OutputTail, clip, strip_ansi

# The line a CLI meant as its error, among usage text, stack traces and warnings ("error: unexpected
# argument ...", "Error: ...", "fatal: ...").
_ERROR_LINE = re.compile(r"(?i)(?:^|\s)(?:error|fatal)\s*:")


class SettingError(ValueError):
    """A provider setting in ``.chant/config.md`` chant cannot use; the run fails with this message."""


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
    first_error_line: str | None = None
    abort: str | None = None  # the parser stopped the agent early, for this reason
    last_retry: str | None = None  # the last API retry the CLI reported, quoted when the run times out


class _StopFlag(threading.Event):
    """Set by the run's cancel flag or by the parser: the one flag the process supervisor watches."""

    def __init__(self, outer: threading.Event) -> None:
        super().__init__()
        self._outer = outer

    def is_set(self) -> bool:
        return super().is_set() or self._outer.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = 0.05 if end is None else min(0.05, end - time.monotonic())
            if left <= 0:
                return False
            super().wait(left)
        return True


class StreamParser:
    """Base for per-provider parsers: subclasses handle one stdout line at a time."""

    def __init__(self, request: AgentRequest) -> None:
        self.request = request
        self.log = request.log
        self.state = RunState()
        self.stop = _StopFlag(request.cancel)
        self._usage_seen: tuple[float | None, int | None, int | None] = (None, None, None)

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
        clean = strip_ansi(line).strip()
        if clean:
            self.state.stderr_tail.append(clean)
            if self.state.first_error_line is None and _ERROR_LINE.search(clean):
                self.state.first_error_line = clean
        self.log(f"[stderr] {line}")

    def abort(self, reason: str) -> None:
        """Stop the agent now, failing with ``reason``: waiting longer cannot help (a rejected API key)."""
        if self.state.abort is None:
            self.state.abort = reason
            self.log(f"[chant] stopping the agent: {reason}")
            self.stop.set()

    def usage_check(self) -> None:
        """Report usage to the run's budget after every line; a crossed cap stops the agent now."""
        hook = self.request.on_usage
        state = self.state
        seen = (state.cost_usd, state.input_tokens, state.output_tokens)
        if hook is None or seen == self._usage_seen or state.abort is not None:
            return
        self._usage_seen = seen
        reason = hook(*seen)
        if reason:
            self.abort(reason)

    def exit_reason(self) -> str | None:
        """A provider's own explanation of a failed exit (and the fix), from what it printed."""
        return None

    def finish(self) -> None:
        """Called once after the process is gone, to flush partial state."""


def extra_args(request: AgentRequest) -> list[str]:
    """``settings["extra_args"]``: flags chant does not know about (sandbox modes, allowed dirs...)."""
    extra = request.settings.get("extra_args") or []
    return shlex.split(extra) if isinstance(extra, str) else [str(a) for a in extra]


def agent_env(request: AgentRequest, name: str, defaults: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: chant's, then the provider's defaults for variables the user left unset,
    then ``agents.<name>.env`` from the config (a ``null`` value removes a variable)."""
    configured = request.settings.get("env")
    if configured is None:
        configured = {}
    if not isinstance(configured, dict):
        raise SettingError(
            f"agents.{name}.env in .chant/config.md must be a mapping of VARIABLE: value"
            f" (got {type(configured).__name__})"
        )
    env = dict(request.env)
    for key, value in (defaults or {}).items():
        if key not in env and key not in configured:
            env[key] = value
    for key, value in configured.items():
        if not isinstance(key, str) or not key or "=" in key:
            raise SettingError(f"agents.{name}.env in .chant/config.md: {key!r} is not a variable name")
        if value is None:
            env.pop(key, None)
        elif isinstance(value, bool):
            env[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            env[key] = str(value)
        else:
            raise SettingError(
                f"agents.{name}.env.{key} in .chant/config.md must be a string or a number"
                f" (got {type(value).__name__})"
            )
    return env


class CliAgent:
    """A provider that runs a coding-agent CLI: argv and environment per provider, one parser per run."""

    name = ""
    program = ""

    def build_argv(self, request: AgentRequest) -> list[str]:
        raise NotImplementedError

    def parser(self, request: AgentRequest) -> StreamParser:
        raise NotImplementedError

    def env_defaults(self, request: AgentRequest) -> dict[str, str]:
        """Variables the CLI needs to run headless in a chant worktree, unless the user set them."""
        return {}

    def run(self, request: AgentRequest) -> AgentResult:
        try:
            argv = self.build_argv(request)
            env = agent_env(request, self.name, self.env_defaults(request))
        except SettingError as exc:
            request.log(f"[chant] {exc}")
            return AgentResult(False, None, str(exc), request.model)
        version = probe_version(self.name, request.settings, env)
        request.log(f"[chant] {self.program} --version: {version or 'unknown (the probe failed)'}")
        return self.completed(request, env, run_cli(request, argv, self.parser(request), env=env))

    def completed(self, request: AgentRequest, env: dict[str, str], result: AgentResult) -> AgentResult:
        """A last look at the result once the CLI is gone (what only its files on disk tell)."""
        return result


def run_cli(
    request: AgentRequest, argv: list[str], parser: StreamParser, *, env: dict[str, str] | None = None
) -> AgentResult:
    state = parser.state

    def stdout(line: str) -> None:
        if line.strip():
            state.saw_stdout = True
        parser.on_stdout(line)
        parser.usage_check()

    outcome = run_process(
        argv,
        cwd=request.worktree,
        env=request.env if env is None else env,
        stdin_text=request.prompt,
        timeout=request.timeout,
        cancel=parser.stop,
        on_stdout_line=stdout,
        on_stderr_line=parser.on_stderr,
    )
    parser.finish()
    if not state.output and state.final_text:
        state.output.add(state.final_text)
    cancelled = outcome.cancelled and (state.abort is None or request.cancel.is_set())
    error = _error_for(outcome.error, outcome.exit_code, outcome.timed_out, cancelled, request, parser)
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
        cancelled=cancelled,
        output=state.output.value(),
    )


def _error_for(
    spawn_error: str | None,
    exit_code: int | None,
    timed_out: bool,
    cancelled: bool,
    request: AgentRequest,
    parser: StreamParser,
) -> str | None:
    state = parser.state
    if spawn_error:
        return spawn_error
    if cancelled:
        return "agent cancelled"
    if state.abort:
        return strip_ansi(state.abort)
    if timed_out:
        retry = f"; the last API retry: {state.last_retry}" if state.last_retry else ""
        return f"agent timed out after {request.timeout:g}s{retry}"
    if state.is_error:
        return clip(strip_ansi(state.error or "agent reported an error"), 300)
    if exit_code != 0:
        if exit_code is not None and exit_code < 0:
            head = f"agent killed by signal {-exit_code}"
        else:
            head = f"agent exited with status {exit_code}"
        explained = parser.exit_reason()
        if explained:
            return f"{head}: {clip(strip_ansi(explained), 400)}"
        line = state.first_error_line or (state.stderr_tail[-1] if state.stderr_tail else None)
        if line:
            return f"{head}: {clip(line, 200)}"
        if not state.saw_stdout:
            return head + " with no output (it may have died immediately)"
        return head
    return None
