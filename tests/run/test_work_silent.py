"""Silent mode: `.chant/` is git-ignored, so specs live only in the user's checkout, never in a branch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.run.conftest import Work, add_specs, spec_file

A = "2026-02-01-001-aaa"


def test_work_in_a_silent_repo_completes_and_keeps_the_ticks(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Alpha", targets=["alpha.txt"], criteria=2)})
    (w.repo / ".gitignore").write_text(".chant/\n", encoding="utf-8")
    w.git("rm", "-rq", "--cached", ".chant")
    w.git("add", ".gitignore")
    w.git("commit", "-qm", "silent mode")

    proc = w.chant("work", A)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (w.repo / ".chant" / "specs" / f"{A}.md").read_text(encoding="utf-8")
    assert "status: completed" in text
    assert "- [ ]" not in text and text.count("- [x]") == 2  # the agent's ticks came back from the worktree
    assert (w.repo / "alpha.txt").exists()
    assert w.git("ls-files", ".chant") == ""  # nothing of .chant/ was committed by chant or the agent
    assert w.git("status", "--porcelain") == ""
    assert w.worktrees() == [str(w.repo)]
