"""Sparse checkouts (a spec's ``sparse:``): the spec's worktree holds only its cone, configured in that
worktree alone; pool slots change cones by difference and never pass one on; merges, checks and the merge
gate work on commits and a full scratch worktree as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.run.conftest import Work, add_specs, spec_file

from chant import git
from chant.project import Project
from chant.run.pipeline import worktree_path, worktree_root
from chant.run.worktrees import Pool

TREE = ["top.txt", "src/setup.txt", "src/a/one.txt", "src/a/deep/two.txt", "src/b/three.txt", "docs/d.txt"]


def _files(root: Path) -> list[str]:
    """The files of :data:`TREE`'s directories on disk (the fixture repository has others at the top)."""
    found = [root / "top.txt"] if (root / "top.txt").exists() else []
    for top in ("src", "docs"):
        found += [p for p in (root / top).rglob("*") if p.is_file()]
    return sorted(p.relative_to(root).as_posix() for p in found)


def _commit_tree(repo: Path) -> None:
    for rel in TREE:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(f"{rel}\n", encoding="utf-8")
    git.run(["add", "-A"], repo)
    git.run(["commit", "-q", "-m", "tree"], repo)


# -- the pool itself, on a real repository ------------------------------------------------------------
@pytest.fixture
def pool_repo(chant_repo: Path, hermetic_env: dict[str, str]) -> tuple[Project, Pool, str]:
    _commit_tree(chant_repo)
    project = Project(chant_repo)
    base = git.head(chant_repo)
    assert base is not None
    return project, Pool(project, worktree_root(project)), base


def _user_checkout_is_full(root: Path) -> None:
    assert git.sparse_dirs(root) is None
    assert git.run(["config", "--get", "core.sparseCheckout"], root, check=False).stdout.strip() in (
        "",
        "false",
    )
    assert set(TREE) <= set(_files(root)) and git.dirty(root, ignored=False) == []


def test_a_sparse_worktree_holds_its_cone_alone_and_nothing_else_turns_sparse(
    pool_repo: tuple[Project, Pool, str],
) -> None:
    project, pool, base = pool_repo
    cone = [".chant", "src/a"]
    lease = pool.acquire(worktree_path(project, "a"), "chant/a", base, cone)
    full = pool.acquire(worktree_path(project, "b"), "chant/b", base)
    assert _files(lease.path) == ["src/a/deep/two.txt", "src/a/one.txt", "src/setup.txt", "top.txt"]
    assert (lease.path / ".chant" / "config.md").exists(), ".chant/ is always checked out"
    assert git.sparse_dirs(lease.path) == cone and git.dirty(lease.path, ignored=False) == []
    # Per worktree: the user's checkout and a worktree created while the sparse one exists stay full.
    _user_checkout_is_full(project.root)
    assert git.sparse_dirs(full.path) is None and _files(full.path) == sorted(TREE)
    admin = git.worktree_admin(lease.path)
    assert admin is not None and "sparseCheckout = true" in (admin / "config.worktree").read_text()
    pool.release(lease)
    pool.release(full)


def test_a_slot_changes_cones_by_difference_and_never_passes_one_on(
    pool_repo: tuple[Project, Pool, str],
) -> None:
    project, pool, base = pool_repo
    first = pool.acquire(worktree_path(project, "a"), "chant/a", base, [".chant", "src/a"])
    pool.release(first)
    home = pool.home(first.slot or 0)
    assert git.sparse_dirs(home) == [".chant", "src/a"], "a free slot remembers its cone"

    # Another cone: src/b appears, src/a goes, what both hold (top-level, src/ files) is not rewritten.
    setup = (home / "src" / "setup.txt").stat().st_ino
    second = pool.acquire(worktree_path(project, "b"), "chant/b", base, [".chant", "src/b"])
    assert second.slot == first.slot
    assert _files(second.path) == ["src/b/three.txt", "src/setup.txt", "top.txt"]
    assert (second.path / "src" / "setup.txt").stat().st_ino == setup
    pool.release(second)

    # A run that asked for no cone gets the whole tree back, in the same slot.
    third = pool.acquire(worktree_path(project, "c"), "chant/c", base)
    assert third.slot == first.slot
    assert git.sparse_dirs(third.path) is None and _files(third.path) == sorted(TREE)
    assert git.dirty(third.path, ignored=False) == []
    pool.release(third)

    # Back to a cone; then the same cone again: git rewrites nothing (the same inode).
    fourth = pool.acquire(worktree_path(project, "d"), "chant/d", base, [".chant", "src/a"])
    assert _files(fourth.path) == ["src/a/deep/two.txt", "src/a/one.txt", "src/setup.txt", "top.txt"]
    kept = (fourth.path / "src" / "a" / "one.txt").stat().st_ino
    pool.release(fourth)
    fifth = pool.acquire(worktree_path(project, "e"), "chant/e", base, [".chant", "src/a"])
    assert (fifth.path / "src" / "a" / "one.txt").stat().st_ino == kept, "same cone: nothing rewritten"
    pool.release(fifth)
    _user_checkout_is_full(project.root)


def test_free_slots_with_the_runs_cone_are_taken_first(pool_repo: tuple[Project, Pool, str]) -> None:
    project, pool, base = pool_repo
    full = pool.acquire(worktree_path(project, "a"), "chant/a", base)
    narrow = pool.acquire(worktree_path(project, "b"), "chant/b", base, [".chant", "src/b"])
    pool.release(full)
    pool.release(narrow)
    again = pool.acquire(worktree_path(project, "c"), "chant/c", base, [".chant", "src/b"])
    assert again.slot == narrow.slot
    plain = pool.acquire(worktree_path(project, "d"), "chant/d", base)
    assert plain.slot == full.slot and git.sparse_dirs(plain.path) is None
    pool.release(again)
    pool.release(plain)


def test_a_crashed_sparse_slot_is_scrubbed_and_made_full_for_a_full_run(
    pool_repo: tuple[Project, Pool, str],
) -> None:
    project, pool, base = pool_repo
    target = worktree_path(project, "a")
    first = pool.acquire(target, "chant/a", base, [".chant", "src/a"])
    (target / "src" / "a" / "one.txt").write_text("the agent's uncommitted edit\n", encoding="utf-8")
    (target / "docs").mkdir()
    (target / "docs" / "stray.txt").write_text("written outside the cone\n", encoding="utf-8")
    assert first.lock is not None
    first.lock.release()  # the chant died mid-run

    again = pool.acquire(target, "chant/a", None)  # its spec runs again, now without sparse:
    assert again.slot == first.slot
    assert git.sparse_dirs(target) is None and _files(target) == sorted(TREE)
    assert (target / "src" / "a" / "one.txt").read_text(encoding="utf-8") == "src/a/one.txt\n"
    assert git.dirty(target, ignored=False) == []
    pool.release(again)


def test_one_off_worktrees_beyond_the_pool_are_sparse_too(
    chant_repo: Path, hermetic_env: dict[str, str]
) -> None:
    _commit_tree(chant_repo)
    config = chant_repo / ".chant" / "config.md"
    config.write_text(config.read_text().replace("---\n", "---\nworktree:\n  pool: 0\n", 1), encoding="utf-8")
    project = Project(chant_repo)
    pool = Pool(project, worktree_root(project))
    assert pool.size == 0
    base = git.head(chant_repo)
    assert base is not None
    lease = pool.acquire(worktree_path(project, "a"), "chant/a", base, [".chant", "src/b"])
    assert lease.slot is None
    assert _files(lease.path) == ["src/b/three.txt", "src/setup.txt", "top.txt"]
    assert git.current_branch(lease.path) == "chant/a" and git.dirty(lease.path, ignored=False) == []
    pool.release(lease)
    assert not lease.path.exists()


# -- whole runs with a fake agent ------------------------------------------------------------------
# Records what its worktree holds, then writes inside and outside its cone. SPARSE_ADD says how it adds the
# outside file: "sparse" (git add --sparse: committed), "plain" (git add refuses it: left uncommitted).
AGENT = """\
#!/bin/sh
set -e
r="$SPARSE_RECORDS/$CHANT_SPEC_ID"
find . -path ./.git -prune -o -type f -print | grep -E '^./(src|docs|top.txt)' | sort > "$r.files"
cp "$CHANT_PROMPT_FILE" "$r.prompt" 2>/dev/null || true
sed -i 's/- \\[ \\]/- [x]/' "$CHANT_SPEC_FILE"
mkdir -p src/a docs
echo "$CHANT_SPEC_ID" > "src/a/out-$CHANT_SPEC_ID.txt"
echo "$CHANT_SPEC_ID" > "docs/out-$CHANT_SPEC_ID.txt"
git add -- "src/a/out-$CHANT_SPEC_ID.txt" "$CHANT_SPEC_FILE"
case "$SPARSE_ADD" in
  sparse) git add --sparse -- "docs/out-$CHANT_SPEC_ID.txt" ;;
  plain) git add -- "docs/out-$CHANT_SPEC_ID.txt" 2> "$r.add-err" && echo added > "$r.add" || true ;;
esac
git commit -q -m "chant($CHANT_SPEC_ID): done"
"""

S1, S2, S3 = "2026-03-01-001-sp1", "2026-03-01-002-sp2", "2026-03-01-003-full"


def sparse_work(work_factory: Callable[..., Work], repo: Path, tmp_path: Path, extra: str = "") -> Work:
    agent = tmp_path / "sparse-agent.sh"
    agent.write_text(AGENT, encoding="utf-8")
    w = work_factory(repo, f"agents:\n  command:\n    command: [sh, {agent}]\n{extra}")
    config = w.repo / ".chant" / "config.md"
    config.write_text(config.read_text().replace("agent: claude", "agent: command"), encoding="utf-8")
    _commit_tree(w.repo)
    records = tmp_path / "sparse-records"
    records.mkdir()
    w.env["SPARSE_RECORDS"] = str(records)
    return w


def rec(w: Work, spec_id: str, what: str) -> str | None:
    path = Path(w.env["SPARSE_RECORDS"]) / f"{spec_id}.{what}"
    return path.read_text(encoding="utf-8") if path.exists() else None


def test_a_sparse_spec_runs_merges_and_leaves_no_cone_behind(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    gate_record = tmp_path / "gate-files"
    w = sparse_work(
        work_factory,
        chant_repo,
        tmp_path,
        f'merge:\n  gate: "find . -path ./.git -prune -o -type f -print | sort >> {gate_record}"\n',
    )
    add_specs(
        w,
        {
            S1: spec_file(S1, "Sparse one", extra="sparse: [src/a/]"),
            S3: spec_file(S3, "Full after it", depends_on=[S1]),
        },
    )
    w.env["SPARSE_ADD"] = "sparse"
    proc = w.chant("work", "--chain")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [w.status(S1), w.status(S3)] == ["completed", "completed"]
    seen = (rec(w, S1, "files") or "").split()
    assert seen == ["./src/a/deep/two.txt", "./src/a/one.txt", "./src/setup.txt", "./top.txt"]
    prompt = rec(w, S1, "prompt") or ""
    assert "## Sparse checkout" in prompt and "`src/a/`" in prompt and "git add --sparse" in prompt
    # The commit made with `git add --sparse` landed whole, the outside file included.
    assert (w.repo / "docs" / f"out-{S1}.txt").read_text(encoding="utf-8") == f"{S1}\n"
    assert (w.repo / "src" / "a" / f"out-{S1}.txt").exists()
    # The next (full) spec ran in the same slot with the whole tree: the cone did not leak.
    full_seen = (rec(w, S3, "files") or "").split()
    assert {f"./{p}" for p in TREE} | {f"./docs/out-{S1}.txt"} <= set(full_seen)
    assert "## Sparse checkout" not in (rec(w, S3, "prompt") or "")
    # The merge gate's scratch worktree was full for the sparse spec too.
    gated = gate_record.read_text(encoding="utf-8").split()
    assert "./docs/d.txt" in gated and "./src/b/three.txt" in gated
    _user_checkout_is_full(w.repo)
    assert w.git("status", "--porcelain") == ""
    assert "outside its branch" not in (w.repo / ".chant" / "logs" / f"{S1}.log").read_text(encoding="utf-8")


def test_a_file_git_add_refused_outside_the_cone_is_named(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = sparse_work(work_factory, chant_repo, tmp_path)
    add_specs(w, {S2: spec_file(S2, "Sparse, plain add", extra="sparse: [src/a/]")})
    w.env["SPARSE_ADD"] = "plain"
    proc = w.chant("work", S2)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(S2) == "completed", "the in-cone work still lands"
    assert rec(w, S2, "add") is None and "outside of your sparse-checkout" in (rec(w, S2, "add-err") or "")
    assert not (w.repo / "docs" / f"out-{S2}.txt").exists(), "refused by git add: not integrated"
    log = (w.repo / ".chant" / "logs" / f"{S2}.log").read_text(encoding="utf-8")
    assert f"docs/out-{S2}.txt (outside the sparse checkout: `git add --sparse` adds it)" in log


# -- the guard of the shared .git/config -------------------------------------------------------------
def test_the_guard_allows_gits_own_worktree_config_switch_and_still_restores_the_rest(
    pool_repo: tuple[Project, Pool, str], tmp_path: Path
) -> None:
    from chant.run.guard import GitGuard

    project, pool, base = pool_repo
    common = git.git_dirs(project.root)[1]
    # An agent is running (the snapshot is taken) when another spec's sparse worktree is made: git adds
    # extensions.worktreeConfig to .git/config. Not the agent's doing, not undone.
    guard = GitGuard(common, tmp_path / "rejected")
    lease = pool.acquire(worktree_path(project, "a"), "chant/a", base, [".chant", "src/a"])
    assert "worktreeconfig" in (common / "config").read_text(encoding="utf-8").lower()
    assert guard.check_and_restore("x") == []
    # An agent's own change is still restored, with git's switch kept (the sparse worktree stays sparse).
    guard2 = GitGuard(common, tmp_path / "rejected2")
    (common / "config").write_text(
        (common / "config")
        .read_text(encoding="utf-8")
        .replace("[extensions]", "[core]\n\thooksPath = /tmp/evil\n[extensions]"),
        encoding="utf-8",
    )
    assert guard2.check_and_restore("y") == [".git/config was changed (restored)"]
    text = (common / "config").read_text(encoding="utf-8")
    assert "evil" not in text and "worktreeconfig" in text.lower()
    assert git.sparse_dirs(lease.path) == [".chant", "src/a"] and git.dirty(lease.path, ignored=False) == []
    pool.release(lease)


def test_the_guard_restores_config_keeping_the_switch_when_both_changed_at_once(
    pool_repo: tuple[Project, Pool, str], tmp_path: Path
) -> None:
    from chant.run.guard import GitGuard

    project, pool, base = pool_repo
    common = git.git_dirs(project.root)[1]
    guard = GitGuard(common, tmp_path / "rejected")
    git.run(["config", "alias.evil", "!rm -rf /nothing"], project.root)  # the agent's trespass...
    lease = pool.acquire(worktree_path(project, "a"), "chant/a", base, [".chant", "src/b"])  # ...and git's
    assert guard.check_and_restore("x") == [".git/config was changed (restored)"]
    text = (common / "config").read_text(encoding="utf-8")
    assert "evil" not in text and "worktreeconfig" in text.lower()
    assert git.sparse_dirs(lease.path) == [".chant", "src/b"] and git.dirty(lease.path, ignored=False) == []
    pool.release(lease)


def test_a_slot_whose_own_config_an_agent_changed_is_replaced(pool_repo: tuple[Project, Pool, str]) -> None:
    project, pool, base = pool_repo
    first = pool.acquire(worktree_path(project, "a"), "chant/a", base, [".chant", "src/a"])
    # With extensions.worktreeConfig on, a worktree's own config.worktree is read by every git there.
    git.run(["config", "--worktree", "core.hooksPath", "/tmp/evil-hooks"], first.path)
    admin = git.worktree_admin(first.path)
    assert admin is not None
    pool.release(first)
    assert not admin.exists(), "not clean: removed, never reused"
    second = pool.acquire(worktree_path(project, "b"), "chant/b", base, [".chant", "src/a"])
    assert git.run(["config", "core.hooksPath"], second.path, check=False).stdout.strip() == ""
    assert git.sparse_dirs(second.path) == [".chant", "src/a"]
    pool.release(second)


def test_sparse_and_full_specs_run_side_by_side(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = sparse_work(work_factory, chant_repo, tmp_path)
    add_specs(
        w,
        {
            S1: spec_file(S1, "Sparse beside", extra="sparse: [src/a/]"),
            S3: spec_file(S3, "Full beside"),
        },
    )
    w.env["SPARSE_ADD"] = "sparse"
    proc = w.chant("work", "--parallel", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [w.status(S1), w.status(S3)] == ["completed", "completed"]
    seen = (rec(w, S1, "files") or "").split()
    assert seen == ["./src/a/deep/two.txt", "./src/a/one.txt", "./src/setup.txt", "./top.txt"]
    assert {f"./{p}" for p in TREE} <= set((rec(w, S3, "files") or "").split())
    for spec_id in (S1, S3):
        log = (w.repo / ".chant" / "logs" / f"{spec_id}.log").read_text(encoding="utf-8")
        assert "outside its branch" not in log, log
    _user_checkout_is_full(w.repo)
