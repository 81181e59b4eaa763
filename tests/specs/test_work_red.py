"""`chant work` refuses a spec graded red when stdin is not a terminal, unless --force."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.lifecycle import command_agent

SPEC_ID = "2026-02-01-001-big"


def big_spec(criteria: int) -> str:
    items = "".join(f"- [ ] `test -n {n}` passes\n" for n in range(criteria))
    return (
        f"---\ntype: code\nstatus: pending\n---\n\n# Everything at once\n\n## Acceptance Criteria\n\n{items}"
    )


def test_red_spec_is_refused_without_a_terminal_and_runs_with_force(
    chant_repo: Path, run_chant: Any, git: Callable[..., str], write_spec: Callable[..., Path], use_agent: Any
) -> None:
    path = write_spec(SPEC_ID, big_spec(17))  # more than twice quality.max_criteria (8)
    use_agent(command_agent.TICK_AND_COMMIT)
    before = path.read_bytes()
    head = git("rev-parse", "HEAD")

    proc = run_chant("work", SPEC_ID, check=False)
    assert proc.returncode == 1
    assert "1 spec(s) graded red" in proc.stderr
    assert f"{SPEC_ID}: 17 acceptance criteria (more than 8)" in proc.stderr
    assert f"fix: `chant split {SPEC_ID}`" in proc.stderr and "--force" in proc.stderr
    assert path.read_bytes() == before and git("rev-parse", "HEAD") == head  # nothing written or committed
    assert git("branch", "--list", "chant/*") == ""

    shown = run_chant("show", SPEC_ID, check=True).stdout
    assert "Quality: red" in shown
    linted = run_chant("lint", check=True).stdout
    assert "red[too-many-criteria]: 17 acceptance criteria" in linted and f"(red: {SPEC_ID};" in linted

    run_chant("work", SPEC_ID, "--force", check=True)
    assert "status: completed" in path.read_text(encoding="utf-8")


def test_amber_spec_runs_and_thresholds_come_from_config(
    chant_repo: Path, run_chant: Any, write_spec: Callable[..., Path], use_agent: Any
) -> None:
    path = write_spec(SPEC_ID, big_spec(9))  # amber: over 8, not over 16
    use_agent(command_agent.TICK_AND_COMMIT)
    config = chant_repo / ".chant" / "config.md"
    config.write_text(config.read_text().replace("---\n", "---\nquality:\n  max_criteria: 4\n", 1))
    proc = run_chant("work", SPEC_ID, check=False)  # 9 > 2 x 4: red now
    assert proc.returncode == 1 and "9 acceptance criteria (more than 4)" in proc.stderr
    config.write_text(config.read_text().replace("max_criteria: 4", "max_criteria: 8"))
    run_chant("work", SPEC_ID, check=True)
    assert "status: completed" in path.read_text(encoding="utf-8")


def test_the_pre_flight_refuses_red_unless_allowed(
    chant_repo: Path, run_chant: Any, write_spec: Callable[..., Path], use_agent: Any
) -> None:
    from chant import validate
    from chant.project import Project

    write_spec(SPEC_ID, big_spec(17))
    use_agent(command_agent.TICK_AND_COMMIT)
    project = Project(chant_repo)
    spec = project.resolve(SPEC_ID)
    problems = validate.preflight(project, [spec], probes=False, allow_red=False)
    (red,) = [p for p in problems if p.rule == "quality"]
    assert red.severity == "error" and "graded red: 17 acceptance criteria" in red.message
    assert "--force" in red.fix
    assert not [p for p in validate.preflight(project, [spec], probes=False) if p.rule == "quality"]
    dry = run_chant("work", SPEC_ID, "--dry-run", check=True).stdout
    assert "Pre-flight: the run would stop on:" in dry and "graded red" in dry
    assert "graded red" not in run_chant("work", SPEC_ID, "--dry-run", "--force", check=True).stdout
