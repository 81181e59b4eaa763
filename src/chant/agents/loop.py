"""The tool-calling loop shared by the HTTP providers; each provider only supplies its wire format."""

from __future__ import annotations

import dataclasses
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.text import OutputTail, add_opt, clip, log_lines, summarize
from chant.agents.tools import TOOL_SCHEMAS, Toolbox, ToolOutcome

# A 429 asking for a longer wait than this pauses chant's queue instead of being retried in place.
INLINE_LIMIT_WAIT = 2.0
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
SYSTEM_PROMPT = (
    "You are a coding agent working inside a git repository; it is your current directory and the only "
    "place you may change. Use the tools to read, search and edit files and to run commands (tests, "
    "git). Paths are relative to the repository root. When the task is done, call task_complete with "
    "a short summary."
)


@dataclass
class BadArguments:
    """Tool-call arguments that did not decode as JSON (a truncated or malformed answer from the model)."""

    raw: str
    problem: str


@dataclass
class ToolCall:
    name: str
    arguments: Any  # a dict when well-formed; anything else is reported back to the model as an error
    id: str | None = None


@dataclass
class Turn:
    text: str
    tool_calls: list[ToolCall]
    message: dict[str, Any]  # the assistant message to append to the history, in the wire's own shape
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


class WireFormat(Protocol):
    def url(self) -> str: ...
    def headers(self) -> dict[str, str]: ...
    def body(
        self, model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> dict[str, Any]: ...
    def parse(self, data: dict[str, Any]) -> Turn: ...
    def tool_message(self, call: ToolCall, content: str) -> dict[str, Any]: ...
    def unreachable(self, detail: str) -> str: ...


class Stop(Exception):
    def __init__(
        self, message: str, *, timed_out: bool = False, cancelled: bool = False, rate_limited: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out
        self.cancelled = cancelled
        self.rate_limited = rate_limited


@dataclass
class _Totals:
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    output: OutputTail = field(default_factory=OutputTail)


def run_http_agent(
    request: AgentRequest, wire: Callable[[AgentRequest], WireFormat], agent: str
) -> AgentResult:
    """The whole provider for an HTTP chat API (openai, ollama): a model is required, then the tool loop
    over that API's ``wire``."""
    model = request.model or request.settings.get("model")
    if not model:
        return AgentResult(False, None, f"the {agent} agent needs a model (set `model` in config)", None)
    return run_tool_loop(request, wire(request), str(model), agent=agent)


def run_tool_loop(request: AgentRequest, wire: WireFormat, model: str, agent: str = "openai") -> AgentResult:
    import httpx2

    settings = request.settings
    deadline = None if request.timeout is None else time.monotonic() + request.timeout
    toolbox = Toolbox(
        request.worktree,
        request.env,
        request.cancel,
        command_timeout=float(settings.get("command_timeout", 300.0)),
        deadline=deadline,
        log=request.log,
        settings=settings,
        agent=agent,
    )
    request = dataclasses.replace(request, log=toolbox.log)  # every log line goes through its redactor
    totals = _Totals()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": str(settings.get("system_prompt") or SYSTEM_PROMPT)},
        {"role": "user", "content": request.prompt},
    ]
    poster = _Poster(request, wire, deadline)
    client = httpx2.Client(timeout=float(settings.get("request_timeout", 600.0)))
    try:
        error = _iterate(request, wire, model, messages, toolbox, poster, client, totals)
        stop: Stop | None = None
    except Stop as exc:
        stop, error = exc, exc.message
    finally:
        client.close()
        toolbox.close()
    if error:
        error = toolbox.redact(error)  # it becomes the spec's failure reason, committed to git
        request.log(f"[chant] {error}")
    return AgentResult(
        ok=error is None,
        exit_code=None,
        error=error,
        model=totals.model or model,
        input_tokens=totals.input_tokens,
        output_tokens=totals.output_tokens,
        timed_out=bool(stop and stop.timed_out),
        cancelled=bool(stop and stop.cancelled),
        rate_limited=bool(stop and stop.rate_limited),
        output=totals.output.value(),
    )


def _iterate(
    request: AgentRequest,
    wire: WireFormat,
    model: str,
    messages: list[dict[str, Any]],
    toolbox: Toolbox,
    poster: _Poster,
    client: Any,
    totals: _Totals,
) -> str | None:
    """Returns None on success or a one-line error; raises Stop for cancel/timeout."""
    limit = int(request.settings.get("max_iterations", 50))
    for _ in range(limit):
        poster.check()
        data = poster.post(client, wire.body(model, messages, TOOL_SCHEMAS))
        try:
            turn = wire.parse(data)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            return f"unexpected response from {wire.url()}: {clip(str(exc), 150)}"
        totals.model = turn.model or totals.model
        totals.input_tokens = add_opt(totals.input_tokens, turn.input_tokens)
        totals.output_tokens = add_opt(totals.output_tokens, turn.output_tokens)
        if request.on_usage is not None:
            over = request.on_usage(None, totals.input_tokens, totals.output_tokens)
            if over:
                return over
        if turn.text:
            log_lines(request.log, turn.text)
            totals.output.add_line(turn.text)
        messages.append(turn.message)
        if not turn.tool_calls:
            return None
        finished = False
        for call in turn.tool_calls:
            poster.check()
            if isinstance(call.arguments, BadArguments):
                request.log(f"[tool] {call.name} {summarize(call.arguments.raw)}")
                outcome = ToolOutcome(
                    f"error: the arguments for {call.name} are not valid JSON ({call.arguments.problem});"
                    " call the tool again with one JSON object",
                    is_error=True,
                )
            else:
                request.log(f"[tool] {call.name} {summarize(call.arguments)}")
                outcome = toolbox.execute(call.name, call.arguments)
            marker = "[tool error]" if outcome.is_error else "[tool result]"
            request.log(f"{marker} {clip(outcome.content)}")
            messages.append(wire.tool_message(call, outcome.content))
            if outcome.done:
                finished = True
                totals.output.add_line(f"task complete: {outcome.content}")
        if finished:
            return None
    return f"iteration limit reached ({limit} model calls without finishing)"


class _Poster:
    """POSTs with retries and backoff, interruptible by cancel and bounded by the run's deadline."""

    def __init__(self, request: AgentRequest, wire: WireFormat, deadline: float | None) -> None:
        self.request = request
        self.wire = wire
        self.deadline = deadline
        self.max_retries = int(request.settings.get("max_retries", 3))
        self.retry_delay = float(request.settings.get("retry_delay", 1.0))
        self.request_timeout = float(request.settings.get("request_timeout", 600.0))

    def check(self) -> None:
        if self.request.cancel.is_set():
            raise Stop("agent cancelled", cancelled=True)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise Stop(f"agent timed out after {self.request.timeout:g}s", timed_out=True)

    def post(self, client: Any, body: dict[str, Any]) -> dict[str, Any]:
        import httpx2

        url = self.wire.url()
        attempt = 0
        while True:
            self.check()
            try:
                response = self._interruptible(client, url, body)
            except httpx2.TransportError as exc:
                problem, retry_after = f"{type(exc).__name__}: {exc}", None
                if attempt >= self.max_retries:
                    raise Stop(self.wire.unreachable(clip(problem, 150))) from None
            else:
                if response.status_code < 300:
                    return self._json(response)
                problem = f"HTTP {response.status_code}: {clip(response.text, 200)}"
                retry_after = _retry_after(response.headers.get("retry-after"))
                if response.status_code == 429 and (
                    attempt >= self.max_retries or (retry_after or 0.0) > INLINE_LIMIT_WAIT
                ):
                    # A limit that resets later: chant pauses the whole queue until then (run/ratelimit.py)
                    # instead of each agent backing off on its own.
                    raw = response.headers.get("retry-after")
                    hint = f"; Retry-After: {raw}" if raw else ""
                    raise Stop(_http_error(url, 429, response.text) + hint, rate_limited=True)
                if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    raise Stop(_http_error(url, response.status_code, response.text))
            attempt += 1
            delay = retry_after if retry_after is not None else self.retry_delay * 2 ** (attempt - 1)
            delay *= random.uniform(0.9, 1.1)
            if self.deadline is not None:
                delay = min(delay, max(0.0, self.deadline - time.monotonic()))
            self.request.log(f"[chant] {problem}; retry {attempt}/{self.max_retries} in {delay:.2f}s")
            if self.request.cancel.wait(delay):
                raise Stop("agent cancelled", cancelled=True)

    def _interruptible(self, client: Any, url: str, body: dict[str, Any]) -> Any:
        # The request runs on a helper thread so a cancel or the deadline is honoured mid-request.
        timeout = self.request_timeout
        if self.deadline is not None:
            timeout = max(0.1, min(timeout, self.deadline - time.monotonic()))
        box: dict[str, Any] = {}
        done = threading.Event()

        def send() -> None:
            try:
                box["response"] = client.post(url, json=body, headers=self.wire.headers(), timeout=timeout)
            except BaseException as exc:  # re-raised on the calling thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=send, name="agent-http", daemon=True).start()
        while not done.wait(0.05):
            self.check()
        if "error" in box:
            raise box["error"]
        return box["response"]

    def _json(self, response: Any) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise Stop(f"non-JSON response from {self.wire.url()}: {clip(response.text, 150)}") from None
        if not isinstance(data, dict):
            raise Stop(f"unexpected response from {self.wire.url()}: not a JSON object")
        if data.get("error"):
            err = data["error"]
            detail = err.get("message") if isinstance(err, dict) else err
            raise Stop(f"server error from {self.wire.url()}: {clip(str(detail), 200)}")
        return data


def parse_arguments(raw: Any) -> Any:
    """Tool arguments arrive as a JSON string (OpenAI) or an object (Ollama)."""
    if isinstance(raw, dict):
        return raw
    if raw in (None, ""):
        return {}
    if not isinstance(raw, str):
        return raw  # handed back to the model as a "must be a JSON object" tool error
    try:
        return json.loads(raw)
    except ValueError as exc:
        return BadArguments(raw, str(exc))


def _retry_after(value: str | None) -> float | None:
    try:
        return min(60.0, max(0.0, float(value))) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _http_error(url: str, status: int, text: str) -> str:
    detail = text
    try:
        payload = json.loads(text)
        err = payload.get("error") if isinstance(payload, dict) else None
        detail = (err.get("message") if isinstance(err, dict) else err) or text
    except ValueError:
        pass
    if status in (401, 403):
        return f"authentication failed (HTTP {status}) at {url}: {clip(str(detail), 150)}"
    return f"HTTP {status} from {url}: {clip(str(detail), 200)}"
