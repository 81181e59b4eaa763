"""End to end: `chant work 001-ext` on a copy of the TechCorp example, driven by the example agent."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "techcorp-backend"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Alex Chen",
    "GIT_AUTHOR_EMAIL": "alex@techcorp.example",
    "GIT_COMMITTER_NAME": "Alex Chen",
    "GIT_COMMITTER_EMAIL": "alex@techcorp.example",
}


def _git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _mark_completed(spec: Path) -> None:
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        re.sub(r"^status: pending$", "status: completed", text, count=1, flags=re.M), encoding="utf-8"
    )


def test_work_ext_extracts_the_reporting_service(tmp_path: Path) -> None:
    repo = tmp_path / "techcorp-backend"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", ".chant/logs", "var"))
    env = {
        **os.environ,
        **IDENTITY,
        "CHANT_NOW": "2026-02-01T18:00:00Z",
        "CHANT_WORKTREE_ROOT": str(tmp_path / "wt"),
        "NO_COLOR": "1",
        "PYTHONIOENCODING": "utf-8",
        "TECHCORP_SCALE": "0.05",
    }
    env.pop("TECHCORP_FAULT", None)
    # cpl and doc are prerequisites of 001-ext whose playbooks are not part of this test.
    for spec_id in ("2026-01-27-001-cpl", "2026-01-28-001-doc"):
        _mark_completed(repo / ".chant" / "specs" / f"{spec_id}.md")
    _git(repo, env, "init", "-q", "-b", "main")
    _git(repo, env, "config", "gc.auto", "0")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "techcorp-backend fixture")

    result = subprocess.run(
        [sys.executable, "-m", "chant", "work", "001-ext"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    expected = [
        r"^Working: 2026-02-01-001-ext \(Extract reporting service POC\)$",
        r"^Phase 1: Parallel$",
        r"^  \[✓\] 2026-02-01-001-ext\.1 \(API extraction\) - \d+m \d+s$",
        r"^  \[✓\] 2026-02-01-001-ext\.2 \(Database migration\) - \d+m \d+s$",
        r"^  \[✓\] 2026-02-01-001-ext\.3 \(Test suite\) - \d+m \d+s$",
        r"^Phase 2: Sequential \(depends on all above\)$",
        r"^  \[✓\] 2026-02-01-001-ext\.4 \(Integration testing\) - \d+m \d+s$",
        r"^Driver complete\. All 4 members succeeded\.$",
    ]
    lines = out.splitlines()
    position = 0
    for pattern in expected:
        matches = [i for i, line in enumerate(lines) if i >= position and re.match(pattern, line)]
        assert matches, f"missing {pattern!r} in:\n{out}"
        position = matches[0] + 1

    service = repo / "services" / "reporting"
    for rel in (
        "src/main.py",
        "src/routes.py",
        "src/models.py",
        "src/database.py",
        "migrations/001_initial.py",
        "tests/test_routes.py",
        "tests/test_models.py",
        "tests/conftest.py",
        "tests/contracts/reporting_api.yaml",
        "Dockerfile",
        "pyproject.toml",
        "README.md",
    ):
        assert (service / rel).is_file(), rel
    assert (repo / "infrastructure" / "reporting-replica.tf").is_file()

    report = (repo / "analysis" / "extraction" / "validation-report.md").read_text(encoding="utf-8")
    assert "| Response Accuracy | — | 100% |" in report
    assert "Total: 0 discrepancies in 24-hour parallel run" in report
    endpoint_rows = re.findall(
        r"^\| /reports/(daily|weekly|custom|export|schedule) \| [\d,.]+ms \|", report, re.M
    )
    assert sorted(endpoint_rows) == ["custom", "daily", "export", "schedule", "weekly"]
    data = json.loads(re.search(r"<!-- chant-data (.*) -->", report).group(1))
    for endpoint in ("daily", "weekly", "custom", "export"):
        queries = data["queries_per_request"][f"/reports/{endpoint}"]
        assert queries["service"] < queries["monolith"], endpoint
    assert data["coverage"] >= 80
