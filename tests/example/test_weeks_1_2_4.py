"""Weeks 1 and 2 run for real: the coupling analysis and the architecture docs derived from the monolith."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .techcorp import CPL, DOC, chant, copy_repo, git, make_env


def _data(path: Path) -> dict:
    return json.loads(re.search(r"<!-- chant-data (.*) -->", path.read_text(encoding="utf-8")).group(1))


def test_coupling_analysis_and_docs(analysed_repo: Path) -> None:
    repo = analysed_repo
    for spec in (CPL, DOC):
        text = (repo / ".chant" / "specs" / f"{spec}.md").read_text(encoding="utf-8")
        assert "- [ ]" not in text, text
    coupling = repo / "analysis" / "coupling"
    data = _data(coupling / "dependency-matrix.md")
    # Reporting is a pure consumer, users the hub, utils imported by every module.
    assert data["fan"]["reporting"]["in"] == 0 and data["fan"]["reporting"]["instability"] == 1.0
    assert max(data["modules"], key=lambda m: data["fan"][m]["in"]) == "users"
    assert all(data["matrix"][m]["utils"] > 0 for m in data["modules"])
    for cycle in (["auth", "users"], ["billing", "users"], ["notifications", "users"]):
        assert cycle in data["cycles"], data["cycles"]
    # Matrix and fan-in/out come from the same counts.
    assert sum(v["in"] for v in data["fan"].values()) == sum(v["out"] for v in data["fan"].values())
    assert data["ranking"][0] == "reporting" and data["ranking"][-1] == "users"
    risk = (coupling / "risk-assessment.md").read_text(encoding="utf-8")
    assert len(re.findall(r"^## \w+: overall ", risk, re.M)) == 3

    modules = (repo / "docs" / "architecture" / "modules.md").read_text(encoding="utf-8")
    for name in ("Auth", "Users", "Billing", "Notifications", "Reporting"):
        assert f"## {name} Module" in modules
    for endpoint in ("daily", "weekly", "custom", "export", "schedule"):
        assert f"| GET | `/reports/{endpoint}` |" in modules
    assert "`src/reporting/routes.py:1-" in modules
    decisions = (repo / "docs" / "architecture" / "decisions.md").read_text(encoding="utf-8")
    assert decisions.count("## ADR-") >= 3
    # Deterministic and committed with the CHANT_NOW dates; the agent's logs are never committed.
    assert "2026-01-27" in git(
        repo, {}, "log", "-1", "--format=%ad", "--date=short", "--", "analysis/coupling"
    )
    assert not git(repo, {}, "ls-files", ".chant/logs")
    assert (repo / ".chant" / "logs").is_dir()


def test_weekly_report_baseline_then_changes(analysed_repo: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path)
    repo = copy_repo(analysed_repo, tmp_path / "repo")
    first = chant(repo, env, "work", "001-wkly", now="2026-03-02T09:00:00Z")
    assert first.returncode == 0, first.stdout + first.stderr
    report = repo / "reports" / "weekly" / "coupling-status.md"
    assert "# Coupling Status - Week of 2026-03-02" in report.read_text(encoding="utf-8")
    assert "Baseline established" in report.read_text(encoding="utf-8")
    queries = repo / "src" / "reporting" / "queries.py"
    queries.write_text(
        queries.read_text(encoding="utf-8")
        + "\n\ndef unread_counts(conn):\n    from src.notifications.services import list_notifications\n\n"
        "    return list_notifications\n",
        encoding="utf-8",
    )
    git(repo, env, "commit", "-q", "-m", "reporting reads notifications", "--", "src/reporting/queries.py")
    reset = chant(repo, env, "reset", "001-wkly", now="2026-03-09T09:00:00Z")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    second = chant(repo, env, "work", "001-wkly", now="2026-03-09T09:00:00Z")
    assert second.returncode == 0, second.stdout + second.stderr
    text = report.read_text(encoding="utf-8")
    assert "# Coupling Status - Week of 2026-03-09" in text
    assert "reporting -> notifications, `src/reporting/queries.py`" in text
    assert "Warning: reporting gained a dependency on notifications" in text
    assert (
        subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
        == ""
    )


def test_analysis_and_docs_are_deterministic(analysed_repo: Path, tmp_path: Path) -> None:
    """Running the cpl and doc handlers again on the same source gives byte-identical files."""
    env = make_env(tmp_path)
    repo = copy_repo(analysed_repo, tmp_path / "repo")
    for spec in (CPL, DOC):
        agent_env = {
            **env,
            "CHANT_SPEC_ID": spec,
            "CHANT_WORKTREE_PATH": str(repo),
            "CHANT_NOW": "2026-02-02T09:00:00Z",
        }
        result = subprocess.run(
            [sys.executable, ".chant/agents/playbook.py"],
            cwd=repo,
            env=agent_env,
            input="",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert git(repo, env, "diff", "--stat", "HEAD~2", "--", "analysis", "docs") == ""
