"""Any program as an agent: prompt on stdin, CHANT_* in the environment, output lines to the log.

A program may report what it did with one stdout line ``CHANT_RESULT {"model": ..., "cost_usd": ...,
"input_tokens": ..., "output_tokens": ...}``.
"""

from __future__ import annotations

import json
import shlex
import sys

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.cli_agent import SettingError, StreamParser, agent_env, run_cli
from chant.agents.text import as_float, as_int

RESULT_MARKER = "CHANT_RESULT "


class CommandAgent:
    name = "command"

    def build_argv(self, request: AgentRequest) -> list[str]:
        configured = request.settings.get("command")
        argv = shlex.split(configured) if isinstance(configured, str) else [str(a) for a in configured or []]
        # Plain str.replace rather than str.format: arguments may legitimately contain braces (JSON).
        values = {
            "{python}": sys.executable,
            "{prompt_file}": str(request.prompt_file),
            "{worktree}": str(request.worktree),
            "{spec_id}": request.spec_id,
        }
        out = []
        for arg in argv:
            for key, value in values.items():
                arg = arg.replace(key, value)
            out.append(arg)
        return out

    def run(self, request: AgentRequest) -> AgentResult:
        argv = self.build_argv(request)
        if not argv:
            return AgentResult(
                ok=False,
                exit_code=None,
                error="the command agent needs settings 'command' (the program to run)",
                model=request.settings.get("model") or request.model,
            )
        try:
            env = agent_env(request, self.name)
        except SettingError as exc:
            return AgentResult(False, None, str(exc), request.settings.get("model") or request.model)
        parser = CommandStreamParser(request)
        parser.state.model = request.settings.get("model") or request.model
        return run_cli(request, argv, parser, env=env)


class CommandStreamParser(StreamParser):
    def on_stdout(self, line: str) -> None:
        self.log(line)
        if line.startswith(RESULT_MARKER):
            self._report(line[len(RESULT_MARKER) :])
        else:
            self.state.output.add_line(line)

    def _report(self, payload: str) -> None:
        try:
            data = json.loads(payload)
        except ValueError:
            self.log("[chant] ignored malformed CHANT_RESULT line")
            return
        if not isinstance(data, dict):
            return
        state = self.state
        if isinstance(data.get("model"), str) and data["model"]:
            state.model = data["model"]
        state.cost_usd = as_float(data.get("cost_usd")) if "cost_usd" in data else state.cost_usd
        state.input_tokens = (
            as_int(data.get("input_tokens")) if "input_tokens" in data else state.input_tokens
        )
        state.output_tokens = (
            as_int(data.get("output_tokens")) if "output_tokens" in data else state.output_tokens
        )
