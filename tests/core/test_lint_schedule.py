"""`schedule:` values are checked by lint (an invalid one would otherwise never be due, silently)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _spec(schedule: str) -> str:
    return f"---\ntype: research\nstatus: pending\nschedule: {schedule}\n---\n\n# Weekly\n\n## Acceptance Criteria\n\n- [ ] x\n"


def test_invalid_schedule_is_a_lint_error_with_its_line(chant_repo: Path, run_chant: Any) -> None:
    specs = chant_repo / ".chant" / "specs"
    (specs / "2026-02-01-001-aaa.md").write_text(_spec("every tuesday"), encoding="utf-8")
    (specs / "2026-02-01-002-bbb.md").write_text(_spec("'0 9 * * 1'"), encoding="utf-8")
    out = run_chant("lint", check=False)
    assert out.returncode == 1
    assert ".chant/specs/2026-02-01-001-aaa.md:4: error[schedule]" in out.stdout
    assert not [line for line in out.stdout.splitlines() if "002-bbb" in line]  # a valid cron is fine
