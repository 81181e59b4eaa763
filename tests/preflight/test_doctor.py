"""`chant doctor`: the pre-flight for the whole project and environment, each finding with its fix."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.run.conftest import Work, add_specs, spec_file

A = "2026-02-01-001-aaa"
B = "2026-02-01-002-bbb"


def report(w: Work) -> tuple[int, dict[str, Any]]:
    proc = w.chant("doctor", "--json")
    return proc.returncode, json.loads(proc.stdout)


def checks(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in data["checks"]}


def test_a_healthy_project(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Fine")})
    code, data = report(w)
    assert code == 0, data
    assert data["schema"] == 1 and data["ok"] is True and data["errors"] == 0
    by_name = checks(data)
    assert list(by_name) == [
        "config",
        "repository",
        "identity",
        "locks",
        "agents",
        "specs",
        "stranded",
        "leftovers",
        "uncommitted",
    ]
    assert all(c["status"] == "ok" for c in data["checks"]), data
    assert "Chant Test <test@chant.invalid>" in by_name["identity"]["detail"]
    # the agent, its version (`claude --version`, chant.agents.probe_version) and where it is
    assert re.fullmatch(r"claude 2.1.332 \(Claude Code\) \(\S+/bin/claude\)", by_name["agents"]["detail"]), (
        by_name["agents"]
    )
    text = w.chant("doctor")
    assert text.returncode == 0
    assert text.stdout.startswith("chant doctor (repo)\n  ✓ config ")
    assert "0 error(s), 0 warning(s): everything chant needs is in place" in text.stdout


def test_each_problem_comes_with_its_fix(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = work_factory(chant_repo, "agents:\n  codex:\n    command: [no-such-codex]\n")
    add_specs(
        w,
        {
            A: spec_file(A, "Bad prompt", extra="prompt: nosuch"),
            B: spec_file(B, "Stranded").replace("status: pending", "status: in_progress"),
        },
    )
    # leftovers of a finished spec: its branch; an uncommitted prompt; a git lock file
    w.git("branch", "chant/2026-01-01-001-old")
    (w.repo / ".chant" / "prompts" / "mine.md").write_text("---\n---\nDo it.\n")
    (w.repo / ".git" / "HEAD.lock").write_text("")

    code, data = report(w)
    assert code == 1 and data["ok"] is False
    by_name = checks(data)
    agents = by_name["agents"]
    assert agents["status"] == "error"
    assert "`no-such-codex` is not an executable on PATH" in agents["problems"][0]["message"]
    assert "npm install -g @openai/codex" in agents["problems"][0]["fix"]
    specs = by_name["specs"]["problems"]
    assert specs[0]["spec_id"] == A and "prompt 'nosuch'" in specs[0]["message"]
    assert specs[0]["path"] == f".chant/specs/{A}.md" and specs[0]["line"] == 4
    stranded = by_name["stranded"]["problems"][0]
    assert (
        stranded["severity"] == "warning"
        and stranded["fix"] == f"`chant diagnose {B}` says which command recovers it"
    )
    leftovers = by_name["leftovers"]["problems"][0]
    assert "chant/2026-01-01-001-old" in leftovers["message"] and leftovers["fix"] == "`chant cleanup`"
    uncommitted = by_name["uncommitted"]["problems"][0]
    assert ".chant/prompts/mine.md" in uncommitted["message"]
    assert uncommitted["fix"].startswith("`git add -- .chant/config.md .chant/prompts && git commit")
    assert by_name["locks"]["status"] == "error"
    assert ".git/HEAD.lock" in by_name["locks"]["problems"][0]["message"]

    text = w.chant("doctor").stdout
    assert "  ✗ agents " in text and "  ! stranded " in text and "  ! leftovers " in text
    assert "  fix: `chant cleanup`\n" in text

    # Following the fixes makes doctor happy (the codex section is what we configured: drop it).
    (w.repo / ".git" / "HEAD.lock").unlink()
    w.chant("cleanup")
    w.git("add", ".chant/prompts")
    w.git("commit", "-qm", "prompt")
    assert w.chant("reset", B).returncode == 0
    spec = w.repo / ".chant" / "specs" / f"{A}.md"
    spec.write_text(spec.read_text().replace("prompt: nosuch\n", ""))
    w.git("commit", "-qam", "fix prompt")
    config = w.repo / ".chant" / "config.md"
    config.write_text(config.read_text().replace("agents:\n  codex:\n    command: [no-such-codex]\n", ""))
    w.git("commit", "-qam", "no codex")
    code, data = report(w)
    assert code == 0, json.dumps(data, indent=1)


def test_warnings_alone_exit_zero(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo, "defualts: {}\n")
    code, data = report(w)
    assert code == 0 and data["warnings"] == 1 and data["ok"] is True
    assert "did you mean 'defaults'?" in checks(data)["config"]["problems"][0]["message"]
