from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from chant.agents import AGENT_NAMES, get_agent
from chant.agents.base import AgentRequest, UnknownAgentError

from .conftest import logged, write_script


def test_command_agent_python_placeholder_and_chant_result(make_request: Callable[..., AgentRequest]) -> None:
    script = (
        "import json, os, sys\n"
        "prompt = sys.stdin.read()\n"
        "print('got', len(prompt), os.environ['CHANT_SPEC_ID'], sys.argv[1])\n"
        "print('progress', file=sys.stderr)\n"
        'print("CHANT_RESULT " + json.dumps({"model": "my-model", "cost_usd": 0.5, '
        '"input_tokens": 7, "output_tokens": 9}))\n'
    )
    request = make_request(prompt="hello", settings={"command": ["{python}", "-c", script, "{spec_id}"]})
    result = get_agent("command").run(request)
    assert result.ok, result.error
    assert result.model == "my-model" and result.cost_usd == 0.5
    assert (result.input_tokens, result.output_tokens) == (7, 9)
    assert result.output == "got 5 2026-01-01-001-abc 2026-01-01-001-abc"
    assert "[stderr] progress" in logged(request)


def test_command_agent_string_command_and_failure(make_request: Callable[..., AgentRequest]) -> None:
    request = make_request(
        model="fallback-model",
        settings={"command": "{python} -c 'import sys; print(\"oops\", file=sys.stderr); sys.exit(4)'"},
    )
    result = get_agent("command").run(request)
    assert not result.ok and result.exit_code == 4
    assert result.error == "agent exited with status 4: oops"
    assert result.model == "fallback-model"


def test_command_agent_without_command(make_request: Callable[..., AgentRequest]) -> None:
    result = get_agent("command").run(make_request())
    assert not result.ok and "settings 'command'" in (result.error or "")


def test_registry_knows_every_name() -> None:
    for name in AGENT_NAMES:
        assert get_agent(name).name == name
    assert get_agent(" Claude ").name == "claude"


def test_unknown_agent_lists_known_names() -> None:
    with pytest.raises(ValueError) as info:
        get_agent("gpt-engineer")
    assert isinstance(info.value, UnknownAgentError)
    assert all(name in str(info.value) for name in AGENT_NAMES)


def test_import_is_cheap() -> None:
    import subprocess

    code = "import sys, chant.agents; print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx2', 'httpx', 'json', 'chant')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "httpx2" not in out and "chant.agents.claude" not in out


def test_env_setting_is_merged_into_the_agents_environment(
    make_request: Callable[..., AgentRequest],
) -> None:
    script = "import json, os; print(json.dumps({k: os.environ.get(k) for k in ('A', 'B', 'C', 'HOME')}))"
    request = make_request(
        settings={"command": ["{python}", "-c", script], "env": {"A": "1", "B": 2, "C": True, "HOME": None}}
    )
    request.env["HOME"] = "/somewhere"
    result = get_agent("command").run(request)
    assert result.ok, result.error
    assert json.loads(result.output) == {"A": "1", "B": "2", "C": "true", "HOME": None}
    assert request.env["HOME"] == "/somewhere"  # only the child's copy changes


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            ["IS_SANDBOX=1"],
            "agents.claude.env in .chant/config.md must be a mapping of VARIABLE: value (got list)",
        ),
        ({"A=B": "1"}, "agents.claude.env in .chant/config.md: 'A=B' is not a variable name"),
        ({"X": [1]}, "agents.claude.env.X in .chant/config.md must be a string or a number (got list)"),
    ],
)
def test_bad_env_setting_is_a_clear_error(
    make_request: Callable[..., AgentRequest], env: object, message: str
) -> None:
    result = get_agent("claude").run(make_request(settings={"command": ["no-such-claude"], "env": env}))
    assert not result.ok and result.exit_code is None
    assert result.error == message


def test_probe_version_runs_the_configured_command_once(bin_dir: Path, tmp_path: Path) -> None:
    from chant.agents import probe_version

    counter = tmp_path / "probes"
    write_script(
        bin_dir,
        "codex-wrapper",
        f"""
        import sys
        with open({str(counter)!r}, "a") as fh:
            fh.write("probe\\n")
        print("\\x1b[1mcodex-cli 0.171.0\\x1b[0m")
        print("second line")
        """,
        version=None,
    )
    settings = {"command": [str(bin_dir / "codex-wrapper")]}
    assert probe_version("codex", settings) == "codex-cli 0.171.0"
    assert probe_version("codex", settings) == "codex-cli 0.171.0"
    assert counter.read_text() == "probe\n"  # cached for the run
    assert probe_version("codex", {"command": ["no-such-codex"]}) is None
    assert probe_version("openai", {}) is None and probe_version("command", {}) is None


def test_probe_failure_is_logged_and_the_run_goes_on(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    write_script(
        bin_dir,
        "claude",
        """
        import json, sys
        if "--version" in sys.argv:
            sys.exit(3)
        sys.stdin.read()
        print(json.dumps({"type": "result", "subtype": "success", "is_error": False, "result": "ok"}))
        """,
        version=None,
    )
    request = make_request()
    result = get_agent("claude").run(request)
    assert result.ok, result.error
    assert "[chant] claude --version: unknown (the probe failed)" in logged(request)
