"""``chant work`` with the real Claude Code, Codex and Gemini CLIs, driven by a scripted model server.

The scripted model makes each CLI use its own tools to write ``hello.txt``, read the spec, tick its
criteria and ``git commit``; chant then checks, merges and records the model. A second scenario answers
every model call with HTTP 401: the run must end quickly with a reason that says authentication failed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.contract.conftest import CLIS, Scripted, as_root, config_for
from tests.contract.install_clis import HERE
from tests.fakes.model_server import FINAL_TEXT, ModelServer, hello_plan
from tests.run.conftest import Work, add_specs, spec_file, write_config

from chant.agents import get_agent, probe_version
from chant.agents.base import AgentRequest
from chant.agents.codex import SANDBOX_MODES

SPEC = "2026-02-01-001-hlo"
SPEC_REL = f".chant/specs/{SPEC}.md"
DOCS = HERE.parent.parent / "docs" / "agents.md"
AUTH_BOUND = 45.0  # seconds; a rejected key used to look like a hang until the agent's timeout
PACKAGES = {"claude": "@anthropic-ai/claude-code", "codex": "@openai/codex", "gemini": "@google/gemini-cli"}
HELP = {"claude": ["--help"], "codex": ["exec", "--help"], "gemini": ["--help"]}


def pinned() -> dict[str, str]:
    deps: dict[str, str] = json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]
    return {cli: deps[package] for cli, package in PACKAGES.items()}


def front(work: Work) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(work.spec_text(SPEC).split("---", 2)[1])
    return data


def project(repo: Path, scripted: Scripted, cli: str, config: str) -> Work:
    work = Work(repo, scripted.env, repo / ".records", marker="")
    write_config(repo, config)
    work.git("add", ".chant/config.md")
    work.git("commit", "-q", "-m", "test config")
    add_specs(work, {SPEC: spec_file(SPEC, "Create hello.txt", criteria=2)})
    return work


def run_work(work: Work, cli: str) -> tuple[Any, float]:
    start = time.monotonic()
    proc = work.chant("work", "--agent", cli, SPEC, timeout=300)
    return proc, time.monotonic() - start


def log_text(work: Work) -> str:
    return (work.repo / ".chant" / "logs" / f"{SPEC}.log").read_text(encoding="utf-8")


def explain(work: Work, server: ModelServer, proc: Any) -> str:
    log = work.repo / ".chant" / "logs" / f"{SPEC}.log"
    return (
        f"chant work exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}\n"
        f"log:\n{log.read_text(encoding='utf-8')[-6000:] if log.exists() else '(none)'}\n"
        f"server saw:\n{server.dump()[-4000:]}"
    )


def model_used(cli: str, server: ModelServer) -> str:
    """The model the CLI really asked for, as the server saw it."""
    if cli == "gemini":  # the main turns stream; the router's one call does not
        paths = [s.path for s in server.model_calls(":streamGenerateContent")]
        return re.search(r"/models/([^/:]+):", paths[-1]).group(1)  # type: ignore[union-attr]
    if cli == "claude":  # Claude Code's side calls (titles, quota probes) carry no tools
        models = {s.body["model"] for s in server.model_calls("/v1/messages") if s.body.get("tools")}
    else:
        models = {s.body["model"] for s in server.model_calls("/v1/responses")}
    assert len(models) == 1, models
    return models.pop()


def assert_stayed_local(server: ModelServer) -> None:
    assert server.outbound == [], (
        f"the CLI tried to reach {server.outbound} (refused by the test's proxy); switch that traffic off"
        " in tests/contract/conftest.py point_at()"
    )


# -- pins ---------------------------------------------------------------------------------------------
def test_installed_versions_are_the_pinned_ones_and_documented(agent_bin: Path) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for cli, version in pinned().items():
        probed = probe_version(cli, {"command": [str(agent_bin / cli)]})
        assert probed is not None and version in probed, f"{cli} --version says {probed!r}, pinned {version}"
        assert f"{PACKAGES[cli]}@{version}" in docs, f"docs/agents.md does not list {PACKAGES[cli]}@{version}"


def _request(settings: dict[str, Any]) -> AgentRequest:
    return AgentRequest(SPEC, "p", Path("p.md"), Path("."), {}, "some-model", None, settings, lambda _: None)


@pytest.mark.parametrize("cli", CLIS)
def test_the_cli_still_has_every_flag_chant_passes(cli: str, agent_bin: Path) -> None:
    import subprocess

    variants = [{}] + ([{"sandbox": mode} for mode in SANDBOX_MODES] if cli == "codex" else [])
    agent = get_agent(cli)
    argvs = [agent.build_argv(_request({"command": [cli], **v})) for v in variants]  # type: ignore[attr-defined]
    wanted = sorted({arg for argv in argvs for arg in argv[1:] if arg.startswith("-") and arg != "-"})
    wanted += [mode for mode in SANDBOX_MODES] if cli == "codex" else []
    proc = subprocess.run([str(agent_bin / cli), *HELP[cli]], capture_output=True, text=True, timeout=60)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text
    missing = [flag for flag in wanted if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text)]
    assert not missing, (
        f"`{cli} {' '.join(HELP[cli])}` ({pinned()[cli]} pinned) no longer lists {', '.join(missing)},"
        f" which chant passes ({' '.join(argvs[0])}); see docs/agents.md"
    )


# -- end to end ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cli", CLIS)
def test_chant_work_completes_merges_and_records_the_model(
    cli: str, scripted: Callable[..., Scripted], chant_repo: Path
) -> None:
    run = scripted(cli, hello_plan(SPEC, SPEC_REL))
    work = project(chant_repo, run, cli, config_for(cli))
    proc, seconds = run_work(work, cli)
    assert proc.returncode == 0, explain(work, run.server, proc)

    spec = front(work)
    assert spec["status"] == "completed", explain(work, run.server, proc)
    assert spec["model"] == model_used(cli, run.server) and spec["model"] not in ("auto", "")
    assert "[" not in spec["model"]
    assert spec["tokens"]["input"] > 0 and spec["tokens"]["output"] > 0
    if cli == "claude":
        assert spec["cost_usd"] > 0
    assert (work.repo / "hello.txt").read_text(encoding="utf-8") == "hi\n"
    assert "- [ ]" not in work.spec_text(SPEC)
    merges = work.git("log", "--merges", "--format=%s", "main")
    assert f"chant({SPEC}): merge chant/{SPEC}" in merges
    log = log_text(work)
    assert f"[chant] {cli} --version: " in log and pinned()[cli] in log
    assert FINAL_TEXT in log
    assert_stayed_local(run.server)
    print(f"{cli}: completed in {seconds:.1f}s, model {spec['model']}")


@pytest.mark.parametrize("cli", CLIS)
def test_a_rejected_key_fails_fast_and_says_authentication_failed(
    cli: str, scripted: Callable[..., Scripted], chant_repo: Path
) -> None:
    run = scripted(cli, [], mode="401")
    work = project(chant_repo, run, cli, config_for(cli))
    proc, seconds = run_work(work, cli)
    assert proc.returncode != 0, explain(work, run.server, proc)
    reason = str(front(work).get("failure_reason"))
    assert reason.startswith("authentication failed (HTTP 401"), explain(work, run.server, proc)
    assert seconds < AUTH_BOUND, f"{cli}: the 401 path took {seconds:.1f}s"
    assert run.server.model_calls("/")  # the CLI did reach the server and was refused
    assert_stayed_local(run.server)
    print(f"{cli}: 401 -> failed in {seconds:.1f}s: {reason}")


@pytest.mark.skipif(not as_root(), reason="Claude Code refuses --dangerously-skip-permissions only as root")
def test_claude_as_root_without_the_opt_in_names_it(
    scripted: Callable[..., Scripted], chant_repo: Path
) -> None:
    run = scripted("claude", hello_plan(SPEC, SPEC_REL))
    work = project(chant_repo, run, "claude", config_for("claude", opt_in=False))
    run.env.pop("IS_SANDBOX", None)
    proc, _ = run_work(work, "claude")
    assert proc.returncode != 0
    reason = str(front(work).get("failure_reason"))
    assert "cannot be used with root/sudo privileges" in reason, reason
    assert 'agents: {claude: {env: {IS_SANDBOX: "1"}}}' in reason and "non-root user" in reason, reason
    assert run.server.model_calls("/v1/messages") == []
