"""chant's own tools for the HTTP agents (openai, ollama): files and commands, confined to the worktree.

File tools are confined by path (``paths.confine``); ``run_command`` runs inside bubblewrap
(``sandbox.py``). Every result is redacted before it reaches the model.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chant.agents.paths import PathRefused, confine, walk_files
from chant.agents.process import run_process
from chant.agents.redact import Redactor
from chant.agents.sandbox import Launcher, SandboxUnavailable, open_launcher

READ_CAP = 100_000
COMMAND_OUTPUT_CAP = 16_000
LIST_CAP = 1_000
SEARCH_CAP = 200
SEARCH_FILE_CAP = 2_000_000
DEFAULT_COMMAND_TIMEOUT = 300.0


@dataclass
class ToolOutcome:
    content: str
    is_error: bool = False
    done: bool = False


class ToolError(Exception):
    """A failure to report back to the model as the tool's result."""


def _fn(name: str, description: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    params = {"type": "object", "properties": props, "required": required}
    return {"type": "function", "function": {"name": name, "description": description, "parameters": params}}


_S = {"type": "string"}
TOOL_SCHEMAS: list[dict[str, Any]] = [
    _fn(
        "read_file", "Read a UTF-8 text file (path relative to the repository root).", {"path": _S}, ["path"]
    ),
    _fn(
        "write_file",
        "Create or overwrite a file with the given content; parent directories are created.",
        {"path": _S, "content": _S},
        ["path", "content"],
    ),
    _fn(
        "edit_file",
        "Replace exactly one occurrence of `old` with `new` in a file. Fails if `old` occurs zero or "
        "several times; include enough surrounding text to make it unique.",
        {"path": _S, "old": _S, "new": _S},
        ["path", "old", "new"],
    ),
    _fn(
        "list_files",
        "List files matching a glob relative to the repository root. `*` stays within a directory, "
        "`**` spans directories (e.g. `**/*.py`). Default `**/*`.",
        {"pattern": _S},
        [],
    ),
    _fn(
        "search",
        "Search file contents with a Python regular expression; returns `path:line: text` matches. "
        "`glob` limits which files are searched (default `**/*`).",
        {"pattern": _S, "glob": _S},
        ["pattern"],
    ),
    _fn(
        "run_command",
        "Run a shell command (`sh -c`) in the repository root and return its exit code and output. "
        "Commands run in a sandbox: only the repository is writable, /tmp is private, and there may be "
        "no network.",
        {"command": _S},
        ["command"],
    ),
    _fn(
        "task_complete",
        "Call when the task is finished (changes made and committed), with a short summary.",
        {"summary": _S},
        ["summary"],
    ),
]
TOOL_NAMES = tuple(t["function"]["name"] for t in TOOL_SCHEMAS)


class Toolbox:
    def __init__(
        self,
        worktree: Path,
        env: dict[str, str],
        cancel: threading.Event,
        command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
        deadline: float | None = None,
        log: Callable[[str], None] | None = None,
        settings: dict[str, Any] | None = None,
        agent: str = "openai",
    ) -> None:
        self.root = Path(worktree).resolve()
        self.env = env
        self.cancel = cancel
        self.command_timeout = command_timeout
        self.deadline = deadline  # time.monotonic() value of the whole agent run's timeout
        self.settings = settings or {}
        self.agent = agent
        self.redact = Redactor.for_env(env, [str(self.settings.get("api_key_env") or "OPENAI_API_KEY")])
        self.log = self.redact.wrap(log or (lambda line: None))
        self._launcher: Launcher | None = None
        self._refusal: str | None = None

    def close(self) -> None:
        """Removes the command sandbox's scratch dir; call once the agent run is over."""
        if self._launcher is not None:
            self._launcher.close()
            self._launcher = None

    def execute(self, name: str, args: Any) -> ToolOutcome:
        outcome = self._execute(name, args)
        # Secrets never reach the model, whatever a command printed or a file contained.
        outcome.content = self.redact(outcome.content)
        return outcome

    def _execute(self, name: str, args: Any) -> ToolOutcome:
        if not isinstance(args, dict):
            return ToolOutcome(f"error: arguments for {name} must be a JSON object", is_error=True)
        handler = getattr(self, f"tool_{name}", None) if name in TOOL_NAMES else None
        if handler is None:
            return ToolOutcome(f"error: unknown tool {name!r}; available: {', '.join(TOOL_NAMES)}", True)
        try:
            result: ToolOutcome = handler(**{k: v for k, v in args.items() if isinstance(k, str)})
            return result
        except TypeError as exc:
            return ToolOutcome(f"error: bad arguments for {name}: {exc}", is_error=True)
        except (PathRefused, ToolError) as exc:
            return ToolOutcome(f"error: {exc}", is_error=True)
        except OSError as exc:
            return ToolOutcome(f"error: {exc.strerror or exc}", is_error=True)
        except UnicodeDecodeError as exc:
            return ToolOutcome(f"error: not a UTF-8 text file ({exc.reason})", is_error=True)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() or "."

    def tool_read_file(self, path: str) -> ToolOutcome:
        target = confine(self.root, path)
        if not target.is_file():
            raise ToolError(f"{path}: no such file")
        data = target.read_bytes()
        text = data[:READ_CAP].decode("utf-8", errors="replace")
        if len(data) > READ_CAP:
            text += f"\n[truncated: file is {len(data)} bytes, showing the first {READ_CAP}]"
        return ToolOutcome(text)

    def tool_write_file(self, path: str, content: str) -> ToolOutcome:
        target = confine(self.root, path, for_write=True)
        if not isinstance(content, str):
            raise ToolError("content must be a string")
        if target.is_dir():
            raise ToolError(f"{path} is a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        return ToolOutcome(f"wrote {len(content.encode('utf-8'))} bytes to {self._rel(target)}")

    def tool_edit_file(self, path: str, old: str, new: str) -> ToolOutcome:
        target = confine(self.root, path, for_write=True)
        if not isinstance(old, str) or not isinstance(new, str) or not old:
            raise ToolError("`old` must be a non-empty string and `new` a string")
        if not target.is_file():
            raise ToolError(f"{path}: no such file")
        text = target.read_text(encoding="utf-8")
        count = text.count(old)
        if count != 1:
            detail = "not found" if count == 0 else f"found {count} times; include more context"
            raise ToolError(f"`old` text {detail} in {path}")
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        return ToolOutcome(f"edited {self._rel(target)}")

    def tool_list_files(self, pattern: str = "**/*") -> ToolOutcome:
        found: list[str] = []
        for rel in walk_files(self.root, pattern):
            if len(found) == LIST_CAP:
                found.append(f"[truncated after {LIST_CAP} files]")
                break
            found.append(rel)
        return ToolOutcome("\n".join(found) if found else "(no files match)")

    def tool_search(self, pattern: str, glob: str = "**/*") -> ToolOutcome:
        try:
            regex = re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise ToolError(f"invalid regular expression: {exc}") from None
        hits: list[str] = []
        for rel in walk_files(self.root, glob):
            path = self.root / rel
            if path.is_symlink() or path.stat().st_size > SEARCH_FILE_CAP:
                continue
            data = path.read_bytes()
            if b"\x00" in data[:8192]:
                continue  # binary
            for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
                if regex.search(line):
                    hits.append(f"{rel}:{number}: {line[:300]}")
                    if len(hits) >= SEARCH_CAP:
                        hits.append(f"[stopped after {SEARCH_CAP} matches]")
                        return ToolOutcome("\n".join(hits))
        return ToolOutcome("\n".join(hits) if hits else "(no matches)")

    def tool_run_command(self, command: str) -> ToolOutcome:
        if not isinstance(command, str) or not command.strip():
            raise ToolError("a non-empty command is required")
        launch = self.launcher().launch(command)
        timeout = self.command_timeout
        if self.deadline is not None:
            timeout = max(0.1, min(timeout, self.deadline - time.monotonic()))
        output = _CappedText(COMMAND_OUTPUT_CAP)
        outcome = run_process(
            launch.argv,
            cwd=self.root,
            env=launch.env,
            stdin_text=None,
            timeout=timeout,
            cancel=self.cancel,
            on_stdout_line=output.add,
            on_stderr_line=output.add,
        )
        if outcome.error:
            raise ToolError(outcome.error)
        if outcome.cancelled:
            status = "cancelled"
        elif outcome.timed_out:
            status = f"timed out after {timeout:g}s (killed)"
        else:
            status = f"exit code {outcome.exit_code}"
        return ToolOutcome(f"{status}\n{output.value()}".rstrip(), is_error=outcome.exit_code != 0)

    def launcher(self) -> Launcher:
        """Set up once, on the first command: the model may never run one."""
        if self._refusal is not None:
            raise ToolError(self._refusal)
        if self._launcher is None:
            try:
                self._launcher = open_launcher(self.root, self.env, self.settings, self.agent)
            except SandboxUnavailable as exc:
                self._refusal = str(exc)
                self.log(f"[chant] {self._refusal}")
                raise ToolError(self._refusal) from None
            self.log(f"[chant] {self._launcher.description}")
        return self._launcher

    def tool_task_complete(self, summary: str = "") -> ToolOutcome:
        return ToolOutcome(str(summary or "task complete"), done=True)


class _CappedText:
    """Keeps the head and the tail of a command's output: errors tend to be at the end."""

    def __init__(self, cap: int) -> None:
        self.half = cap // 2
        self.head: list[str] = []
        self.head_size = 0
        self.tail: deque[str] = deque()
        self.tail_size = 0
        self.dropped = 0

    def add(self, line: str) -> None:
        line = line if len(line) <= 2000 else line[:2000] + " [line truncated]"
        if self.head_size < self.half:
            self.head.append(line)
            self.head_size += len(line) + 1
            return
        self.tail.append(line)
        self.tail_size += len(line) + 1
        while self.tail_size > self.half and len(self.tail) > 1:
            self.tail_size -= len(self.tail.popleft()) + 1
            self.dropped += 1

    def value(self) -> str:
        middle = [f"[... {self.dropped} lines omitted ...]"] if self.dropped else []
        return "\n".join([*self.head, *middle, *self.tail])
