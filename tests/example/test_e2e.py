"""End to end: `chant work 001-ext` after cpl and doc ran for real, then the seed page's "must show" facts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from .techcorp import (
    CORPUS,
    EXT,
    EXT_NOW,
    assert_in_order,
    chant,
    copy_repo,
    git,
    make_env,
    monolith_and_service,
    report_data,
    status,
)

PHASES = [
    r"^Working: 2026-02-01-001-ext \(Extract reporting service POC\)$",
    r"^Phase 1: Parallel$",
    r"^  \[✓\] 2026-02-01-001-ext\.1 \(API extraction\) - \d+m \d+s$",
    r"^  \[✓\] 2026-02-01-001-ext\.2 \(Database migration\) - \d+m \d+s$",
    r"^  \[✓\] 2026-02-01-001-ext\.3 \(Test suite\) - \d+m \d+s$",
    r"^Phase 2: Sequential \(depends on all above\)$",
    r"^  \[✓\] 2026-02-01-001-ext\.4 \(Integration testing\) - \d+m \d+s$",
    r"^Driver complete\. All 4 members succeeded\.$",
]
SERVICE_FILES = [
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
]


def _figures(data: dict) -> list[float]:
    latencies = [v for e in data["p99_by_endpoint"].values() for v in e.values()]
    return [*latencies, *data["throughput_rps"].values(), *data["cpu_ms_per_request"].values()]


def test_work_ext_extracts_the_reporting_service(analysed_repo: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path)
    repo = copy_repo(analysed_repo, tmp_path / "repo")
    result = chant(repo, env, "work", "001-ext")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert_in_order(out, PHASES)
    for spec in (EXT, *(f"{EXT}.{n}" for n in range(1, 5))):
        assert status(repo, spec) == "completed", spec
    # chant's logs and the agent's own logs stay out of git (.chant/.gitignore), the checkout is clean.
    assert (repo / ".chant" / "logs" / f"{EXT}.4.log").is_file()
    assert git(repo, env, "ls-files", ".chant/logs") == ""
    assert git(repo, env, "status", "--porcelain") == ""

    service = repo / "services" / "reporting"
    for rel in SERVICE_FILES:
        assert (service / rel).is_file(), rel
    assert (repo / "infrastructure" / "reporting-replica.tf").is_file()

    # The report: accuracy 100 %, 0 discrepancies, five endpoint rows, fewer queries on the service.
    report_path = repo / "analysis" / "extraction" / "validation-report.md"
    report = report_path.read_text(encoding="utf-8")
    assert "| Response Accuracy | — | 100% |" in report
    assert "Total: 0 discrepancies in 24-hour parallel run" in report
    rows = re.findall(r"^\| /reports/(daily|weekly|custom|export|schedule) \| [\d,.]+ms \|", report, re.M)
    assert sorted(rows) == ["custom", "daily", "export", "schedule", "weekly"]
    data = report_data(report)
    assert data["accuracy"] == 1.0 and data["discrepancies"] == 0 and data["shadowed"] > 0
    for endpoint in ("daily", "weekly", "custom", "export"):
        queries = data["queries_per_request"][f"/reports/{endpoint}"]
        assert queries["service"] < queries["monolith"], (endpoint, queries)
    # Coverage of services/reporting by its own tests, measured with coverage.py in the run.
    assert data["coverage"] >= 80, data["coverage"]
    assert f"Coverage of services/reporting/src: {data['coverage']}% (coverage.py)" in report

    # Figures are measured, not constant: run .4's harness a second time (in the background, while the
    # apps are compared); it must give other timings and the same verdict.
    again = subprocess.Popen(
        [sys.executable, ".chant/agents/playbook.py"],
        cwd=repo,
        env={
            **env,
            "CHANT_SPEC_ID": f"{EXT}.4",
            "CHANT_SPEC_FILE": str(repo / ".chant" / "specs" / f"{EXT}.4.md"),
            "CHANT_WORKTREE_PATH": str(repo),
            "CHANT_NOW": EXT_NOW,
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _compare_apps(repo, tmp_path, env)
        output, _ = again.communicate(timeout=240)
    finally:
        again.kill()
    assert again.returncode == 0, output
    second = report_data(report_path.read_text(encoding="utf-8"))
    assert second["discrepancies"] == 0 and second["accuracy"] == 1.0
    assert _figures(second) != _figures(data)
    assert all(value > 0 for value in _figures(second))
    # The agent's scratch directories (TMPDIR is per test) are gone.
    assert not list((tmp_path / "tmp").glob("techcorp-*"))


def _compare_apps(repo: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """The service answers the five endpoints exactly like the monolith (both on 127.0.0.1, same requests)."""
    with monolith_and_service(repo, tmp_path / "apps", env) as (mono_url, svc_url, token):
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(svc_url + "/reports/daily", timeout=30).status_code == 401  # no token, no report
        seen = set()
        for url in CORPUS:
            mono = httpx.get(mono_url + url, headers=headers, timeout=60)
            svc = httpx.get(svc_url + url, headers=headers, timeout=60)
            assert (svc.status_code, svc.headers.get("content-type"), svc.content) == (
                mono.status_code,
                mono.headers.get("content-type"),
                mono.content,
            ), url
            if mono.status_code == 200:
                seen.add(url.split("?")[0])
        assert len(seen) == 5, seen
