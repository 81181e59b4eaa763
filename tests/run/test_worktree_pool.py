"""The worktree pool (run/worktrees.py): reused worktrees that only rewrite what changed, cleaned per
``worktree.clean``, bounded by ``worktree.pool``; a crashed run's slot is reused only once verified clean."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.run.conftest import Work, add_specs, spec_file

from chant import git
from chant.project import Project
from chant.run.pipeline import worktree_path, worktree_root
from chant.run.worktrees import Pool

# Records where it runs and what it finds, then leaves junk behind for the next run in the same slot:
# an untracked file, an ignored build output, an uncommitted change to a tracked file.
AGENT = """\
#!/bin/sh
set -e
r="$POOL_RECORDS/$CHANT_SPEC_ID"
git rev-parse --absolute-git-dir > "$r.gitdir"
pwd > "$r.pwd"
ls > "$r.ls"
stat -c %i keep.txt > "$r.inode"
git status --porcelain --untracked-files=all > "$r.status"
[ -e leftover.txt ] && echo yes > "$r.leftover"
[ -e build/out.o ] && echo yes > "$r.built"
if [ -n "$POOL_BARRIER" ]; then
  touch "$POOL_RECORDS/$CHANT_SPEC_ID.started"
  n=0
  while [ "$(ls "$POOL_RECORDS" | grep -c '\\.started$')" -lt "$POOL_BARRIER" ] && [ $n -lt 200 ]; do
    sleep 0.1; n=$((n+1))
  done
fi
echo junk > leftover.txt
mkdir -p build && echo obj > build/out.o
echo dirty >> other.txt
sed -i 's/- \\[ \\]/- [x]/' "$CHANT_SPEC_FILE"
echo "$CHANT_SPEC_ID" > "out-$CHANT_SPEC_ID.txt"
git add -- "out-$CHANT_SPEC_ID.txt" "$CHANT_SPEC_FILE"
git commit -q -m "chant($CHANT_SPEC_ID): done"
"""

IDS = [f"2026-02-01-00{n}-pl{n}" for n in range(1, 4)]


def pool_work(work_factory: Callable[..., Work], repo: Path, tmp_path: Path, settings: str = "") -> Work:
    agent = tmp_path / "pool-agent.sh"
    agent.write_text(AGENT, encoding="utf-8")
    extra = f"agents:\n  command:\n    command: [sh, {agent}]\n" + (
        f"worktree:\n{settings}" if settings else ""
    )
    w = work_factory(repo, extra)
    config = w.repo / ".chant" / "config.md"
    config.write_text(config.read_text().replace("agent: claude", "agent: command"), encoding="utf-8")
    (w.repo / "keep.txt").write_text("unchanged by every spec\n", encoding="utf-8")
    (w.repo / "other.txt").write_text("tracked\n", encoding="utf-8")
    (w.repo / ".gitignore").write_text(
        (w.repo / ".gitignore").read_text() + "build/\n" if (w.repo / ".gitignore").exists() else "build/\n"
    )
    w.git("add", "-A")
    w.git("commit", "-q", "-m", "pool fixtures")
    records = tmp_path / "pool-records"
    records.mkdir()
    w.env["POOL_RECORDS"] = str(records)
    return w


def read(w: Work, spec_id: str, what: str) -> str | None:
    path = Path(w.env["POOL_RECORDS"]) / f"{spec_id}.{what}"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def test_chain_reuses_one_clean_worktree_and_rewrites_only_what_changed(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = pool_work(work_factory, chant_repo, tmp_path)
    add_specs(w, {s: spec_file(s, f"Pool {n}") for n, s in enumerate(IDS, 1)})
    proc = w.chant("work", "--chain")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [w.status(s) for s in IDS] == ["completed"] * 3
    project = Project(w.repo)
    # Each run in its own directory (the spec's worktree path) ...
    assert [read(w, s, "pwd") for s in IDS] == [str(worktree_path(project, s)) for s in IDS]
    # ... but the same git worktree, moved: one slot served all three.
    assert len({read(w, s, "gitdir") for s in IDS}) == 1
    # keep.txt never changed, so git never rewrote it: the same inode in every run.
    assert len({read(w, s, "inode") for s in IDS}) == 1
    for spec_id in IDS[1:]:
        assert read(w, spec_id, "status") == "", "the previous run's junk must not reach the next"
        assert read(w, spec_id, "leftover") is None
        assert read(w, spec_id, "built") == "yes", "worktree.clean: untracked keeps ignored outputs"
    # Each run started at its base commit: the previous spec's merged work is there.
    assert f"out-{IDS[0]}.txt" in (read(w, IDS[1], "ls") or "").split()
    assert f"out-{IDS[1]}.txt" in (read(w, IDS[2], "ls") or "").split()
    slots = w.pool_slots()
    assert len(slots) == 1 and w.worktrees() == [str(w.repo)] and w.branches() == []
    slot = Path(slots[0])
    assert git.dirty(slot, ignored=False) == []
    assert git.current_branch(slot) is None, "a free slot holds no branch"
    assert w.git("status", "--porcelain") == ""
    cleanup = w.chant("cleanup", "--dry-run")
    assert cleanup.returncode == 0 and ".pool" not in cleanup.stdout, "free slots are not leftovers"


def test_clean_all_removes_ignored_outputs_too(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = pool_work(work_factory, chant_repo, tmp_path, "  clean: all\n")
    add_specs(w, {s: spec_file(s, f"Pool {n}") for n, s in enumerate(IDS[:2], 1)})
    proc = w.chant("work", "--chain")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert read(w, IDS[0], "gitdir") == read(w, IDS[1], "gitdir")
    assert read(w, IDS[1], "built") is None and read(w, IDS[1], "leftover") is None


def test_pool_off_gives_every_run_a_fresh_worktree(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = pool_work(work_factory, chant_repo, tmp_path, "  pool: 0\n")
    add_specs(w, {s: spec_file(s, f"Pool {n}") for n, s in enumerate(IDS[:2], 1)})
    proc = w.chant("work", "--chain")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert read(w, IDS[0], "gitdir") != read(w, IDS[1], "gitdir")
    assert w.pool_slots() == [] and w.worktrees() == [str(w.repo)]


def test_the_pool_is_bounded_and_busy_slots_are_never_shared(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = pool_work(work_factory, chant_repo, tmp_path, "  pool: 1\n")
    add_specs(w, {s: spec_file(s, f"Pool {n}") for n, s in enumerate(IDS[:2], 1)})
    w.env["POOL_BARRIER"] = "2"  # both agents run at the same time
    proc = w.chant("work", "--parallel", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [w.status(s) for s in IDS[:2]] == ["completed"] * 2
    assert read(w, IDS[0], "gitdir") != read(w, IDS[1], "gitdir")
    assert len(w.pool_slots()) == 1, "one slot kept; the run beyond the bound got a one-off worktree"
    assert w.worktrees() == [str(w.repo)]


# -- the pool itself, on a real repository ------------------------------------------------------------
@pytest.fixture
def pool_repo(chant_repo: Path, hermetic_env: dict[str, str]) -> tuple[Project, Pool]:
    (chant_repo / "tracked.txt").write_text("v1\n", encoding="utf-8")
    git.run(["add", "tracked.txt"], chant_repo)
    git.run(["commit", "-q", "-m", "tracked"], chant_repo)
    project = Project(chant_repo)
    return project, Pool(project, worktree_root(project))


def test_a_crashed_runs_slot_is_cleaned_and_verified_before_reuse(pool_repo: tuple[Project, Pool]) -> None:
    project, pool = pool_repo
    base = git.head(project.root)
    assert base is not None
    target = worktree_path(project, "a")
    first = pool.acquire(target, "chant/a", base)
    (first.path / "tracked.txt").write_text("the agent's uncommitted edit\n", encoding="utf-8")
    (first.path / "untracked.txt").write_text("junk\n", encoding="utf-8")
    assert first.lock is not None
    first.lock.release()  # the chant died: its slot stays at its spec's path, on its branch, dirty

    # Another spec's run leaves that worktree alone (its spec resumes there; a human may work in it).
    other = pool.acquire(worktree_path(project, "b"), "chant/b", base)
    assert other.slot != first.slot
    assert (target / "untracked.txt").exists()
    pool.release(other)

    # The same spec's next run (resuming its branch) gets it back, scrubbed and verified first.
    again = pool.acquire(target, "chant/a", None)
    assert again.slot == first.slot and again.path == target
    assert (target / "tracked.txt").read_text(encoding="utf-8") == "v1\n"
    assert not (target / "untracked.txt").exists()
    assert git.current_branch(target) == "chant/a"
    pool.release(again)
    home = pool.home(first.slot or 0)
    assert git.current_branch(home) is None and git.dirty(home, ignored=True) == []
    assert git.branch_exists(project.root, "chant/a"), "the crashed run's branch (its commits) is kept"


def test_a_slot_left_mid_merge_is_replaced_not_reused(pool_repo: tuple[Project, Pool]) -> None:
    project, pool = pool_repo
    base = git.head(project.root)
    assert base is not None
    first = pool.acquire(worktree_path(project, "a"), "chant/a", base)
    admin = git.worktree_admin(first.path)
    assert admin is not None
    (admin / "MERGE_HEAD").write_text(base + "\n", encoding="utf-8")
    assert first.lock is not None
    first.lock.release()

    second = pool.acquire(worktree_path(project, "a"), "chant/a", None)
    new_admin = git.worktree_admin(second.path)
    assert new_admin is not None and not (new_admin / "MERGE_HEAD").exists()
    assert git.dirty(second.path, ignored=False) == []


def test_a_held_slot_is_never_handed_out_twice(pool_repo: tuple[Project, Pool]) -> None:
    project, pool = pool_repo
    base = git.head(project.root)
    assert base is not None
    one = pool.acquire(worktree_path(project, "a"), "chant/a", base)
    two = pool.acquire(worktree_path(project, "b"), "chant/b", base)
    assert {one.slot, two.slot} == {0, 1}
    assert git.worktree_admin(one.path) != git.worktree_admin(two.path)
    pool.release(one)
    pool.release(two)
    three = pool.acquire(worktree_path(project, "c"), "chant/c", base)
    assert three.slot == 0
    pool.release(three)
