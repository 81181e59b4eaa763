"""Negative runs of `chant work 001-ext`: a failing member (then recovery) and an injected accuracy bug.

Both start from one shared state (`after_member_failure` in conftest.py): the analysed snapshot after a run with
`TECHCORP_FAULT=ext.2:fail` (.1 and .3 merged, .2 failed, .4 skipped, driver failed).
"""

from __future__ import annotations

import re
from pathlib import Path

from .techcorp import EXT, assert_in_order, chant, copy_repo, git, make_env, report_data, status


def test_member_failure_fails_the_driver_then_rerun_recovers(
    after_member_failure: tuple[Path, str], tmp_path: Path
) -> None:
    failed_repo, out = after_member_failure
    assert_in_order(
        out,
        [
            r"^Phase 1: Parallel$",
            r"^  \[✓\] 2026-02-01-001-ext\.1 \(API extraction\)",
            r"^  \[✗\] 2026-02-01-001-ext\.2 \(Database migration\)",
            r"^  \[✓\] 2026-02-01-001-ext\.3 \(Test suite\)",
            r"^  \[–\] 2026-02-01-001-ext\.4 \(Integration testing\).*skipped",
        ],
    )
    assert status(failed_repo, f"{EXT}.1") == "completed"
    assert status(failed_repo, f"{EXT}.3") == "completed"
    assert status(failed_repo, f"{EXT}.2") == "failed"
    assert status(failed_repo, f"{EXT}.4") == "pending"
    assert status(failed_repo, EXT) == "failed"
    assert (failed_repo / "services" / "reporting" / "src" / "main.py").is_file()  # .1 merged
    assert (failed_repo / "services" / "reporting" / "tests" / "conftest.py").is_file()  # .3 merged
    assert not (failed_repo / "services" / "reporting" / "src" / "database.py").exists()

    env = make_env(tmp_path)
    repo = copy_repo(failed_repo, tmp_path / "repo")
    before = git(repo, env, "rev-parse", "HEAD").strip()
    rerun = chant(repo, env, "work", "001-ext")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert_in_order(
        rerun.stdout,
        [
            r"^  \[✓\] 2026-02-01-001-ext\.2 \(Database migration\) - \d+m \d+s$",
            r"^  \[✓\] 2026-02-01-001-ext\.4 \(Integration testing\) - \d+m \d+s$",
            r"^Driver complete\. All 4 members succeeded\.$",
        ],
    )
    # Only .2, .4 and the wrap-up ran again: the agent committed for them and for nobody else.
    subjects = git(repo, env, "log", "--format=%s", f"{before}..HEAD")
    agent_runs = set(re.findall(r"^chant\((2026-02-01-001-ext(?:\.\d)?)\): ", subjects, re.M))
    assert agent_runs == {f"{EXT}.2", f"{EXT}.4", EXT}, subjects
    for spec in (EXT, *(f"{EXT}.{n}" for n in range(1, 5))):
        assert status(repo, spec) == "completed", spec
    assert (
        "| Response Accuracy | — | 100% |" in (repo / "analysis/extraction/validation-report.md").read_text()
    )


def test_accuracy_bug_is_caught_by_the_shadow_run(
    after_member_failure: tuple[Path, str], tmp_path: Path
) -> None:
    env = make_env(tmp_path)
    repo = copy_repo(after_member_failure[0], tmp_path / "repo")
    result = chant(repo, env, "work", "001-ext", TECHCORP_FAULT="ext.2:accuracy")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert_in_order(
        out,
        [
            r"^  \[✓\] 2026-02-01-001-ext\.2 \(Database migration\)",
            r"^  \[✗\] 2026-02-01-001-ext\.4 \(Integration testing\)",
        ],
    )
    assert status(repo, f"{EXT}.4") == "failed"
    assert status(repo, EXT) == "failed"
    # .4's branch is kept: its report shows the discrepancies, its spec the unticked accuracy criterion.
    branch = f"chant/{EXT}.4"
    report = git(repo, env, "show", f"{branch}:analysis/extraction/validation-report.md")
    data = report_data(report)
    assert data["discrepancies"] > 0 and data["accuracy"] < 1.0
    assert "✗ Discrepancies found" in report
    spec = git(repo, env, "show", f"{branch}:.chant/specs/{EXT}.4.md")
    assert "- [ ] 100% response accuracy (vs monolith)" in spec
    assert not (repo / "analysis" / "extraction" / "validation-report.md").exists()
