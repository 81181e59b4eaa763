"""``chant drift``'s cascade report names every spec its summary line counts (it once said "7 of 7" and
named 5: the members of a stale driver were folded away)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Run = Callable[..., Any]
Git = Callable[..., str]
A = "2026-01-20-001-aaa"
D = "2026-01-21-001-drv"


def _completed(kind: str, title: str, extra: str = "") -> str:
    return (
        f"---\ntype: {kind}\nstatus: completed\ncompleted_at: 2026-01-21T10:00:00Z\n{extra}---\n\n"
        f"# {title}\n\n## Acceptance Criteria\n\n- [x] done\n"
    )


def test_cascade_report_counts_only_what_it_names(
    chant_repo: Path, run_chant: Run, git: Git, write_spec: Callable[..., Path]
) -> None:
    (chant_repo / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    write_spec(A, _completed("research", "Analysis", "tracks:\n  - data.csv\n"))
    write_spec(D, _completed("driver", "Build", f"depends_on:\n  - {A}\n"))
    write_spec(f"{D}.1", _completed("code", "Part one"))
    write_spec(f"{D}.2", _completed("code", "Part two", f"depends_on:\n  - {D}.1\n"))
    git("add", "-A")
    git("commit", "-q", "-m", "completed work")
    (chant_repo / "data.csv").write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    out = run_chant("drift", check=True).stdout
    for spec_id in (A, D, f"{D}.1", f"{D}.2"):
        assert spec_id in out, f"{spec_id} is counted but never named:\n{out}"
    assert "4 of 4 completed spec(s) need attention" in out
