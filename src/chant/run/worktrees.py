"""The worktree pool: a run's worktree costs what changed since its last use, not what the repository holds.

A fresh ``git worktree add`` writes every file of the repository (50,000 files: seconds, and as much again
to delete them afterwards). The pool keeps up to ``worktree.pool`` linked worktrees ("slots") per project
and hands one to each run:

- **acquire**: take a free slot's lock, move the slot to the spec's worktree path (``git worktree move``: a
  rename, the slot's index and stat data stay valid) and switch it to the run's branch at its base commit
  (``git switch --create``: a two-way move from the slot's last commit, so git rewrites only the files that
  differ). No free slot and the pool full: a one-off worktree, as before the pool.
- **release**: the slot leaves the branch (``checkout --detach``, so the branch can be deleted or checked
  out elsewhere), is cleaned (``worktree.clean``: ``untracked`` resets tracked files and removes untracked
  ones but keeps ignored build outputs; ``all`` removes ignored files too; chant's own ``.chant/`` copy is
  always removed), verified clean by ``git status``, and moved back under ``<worktree root>/.pool/``.
  A slot that does not come out clean is removed, never reused.
- **a crashed run's slot**: its record says it was busy. The next run that takes it (its lock is free once
  the dead chant's agents are gone: the lock goes to the agent watchdog with the run lock) cleans and
  verifies it first, exactly like a release.

Sparse checkouts (a spec's ``sparse:``, chant/sparse.py): a one-off worktree is created with only the
cone's files; a slot keeps the cone of its last run (in its own ``config.worktree`` and
``info/sparse-checkout``: the user's checkout and the other worktrees stay full). Acquiring a slot compares
its cone, as git reports it, with the run's and changes it (``sparse-checkout set`` / ``disable``) before
switching, so git writes or deletes only the difference and no run ever inherits another's cone. Free slots
whose recorded cone matches the run's are tried first.

Isolation is unchanged: a slot is held by one run at a time (an ``flock`` per slot), and each run still has
its own directory, branch and index. ``worktree.pool: 0`` turns the pool off (a fresh worktree per run).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chant import git
from chant.errors import ChantError
from chant.locks import FileLock, LockBusy, is_locked
from chant.project import Project

DEFAULT_SIZE = 8
CLEAN_MODES = ("untracked", "all")
DEFAULT_CLEAN = "untracked"
POOL_DIR = ".pool"
# In-progress operations an agent may leave in its worktree's git dir: a slot that has one is not reused.
# What git's sparse-checkout writes into a worktree's own config.worktree; anything else an agent put there
# (hooksPath, aliases...) would apply to the next run in that slot, so such a slot is not reused.
_SPARSE_KEYS = frozenset(("core.sparsecheckout", "core.sparsecheckoutcone", "index.sparse"))
_UNFINISHED = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "BISECT_LOG", "rebase-merge", "rebase-apply")


@dataclass
class Lease:
    """The worktree one run works in."""

    path: Path
    slot: int | None  # None: a one-off worktree outside the pool (removed on release)
    lock: FileLock | None = None
    sparse: list[str] | None = None  # the directories checked out (None: the whole tree)

    def fileno(self) -> int:
        return self.lock.fileno() if self.lock is not None else -1


def pool_size(project: Project) -> int:
    try:
        return max(0, int(project.config.get("worktree.pool", DEFAULT_SIZE)))
    except (TypeError, ValueError):
        return DEFAULT_SIZE


def clean_mode(project: Project) -> str:
    mode = str(project.config.get("worktree.clean", DEFAULT_CLEAN))
    return mode if mode in CLEAN_MODES else DEFAULT_CLEAN


def slot_name(project: Project, n: int) -> str:
    return f"{project.name}-pool-{n}"


def slot_live(project: Project, admin_name: str) -> bool:
    """Is ``admin_name`` (a directory under ``.git/worktrees``) a pool slot some run holds right now?"""
    prefix = f"{project.name}-pool-"
    number = admin_name.removeprefix(prefix)
    return admin_name.startswith(prefix) and number.isdigit() and is_locked(_lock_path(project, int(number)))


def _lock_path(project: Project, n: int) -> Path:
    return project.lock_path(f"pool-{n}")


class Pool:
    def __init__(
        self,
        project: Project,
        worktree_root: Path,
        *,
        clear_locks: Callable[[list[Path]], None] = lambda _paths: None,
    ) -> None:
        self.project = project
        self.root = worktree_root
        self.size = pool_size(project)
        self.ignored = clean_mode(project) == "all"
        self._clear_locks = (
            clear_locks  # stale git locks of a crashed run's slot (Mainline.clear_stale_locks)
        )

    # -- where things are ----------------------------------------------------------------------------
    def home(self, n: int) -> Path:
        return self.root / POOL_DIR / slot_name(self.project, n)

    def _record(self, n: int) -> Path:
        return self.project.run_dir / "pool" / str(n)

    def _read(self, n: int) -> tuple[Path, str] | None:
        """``(where slot n is, "free" | "busy")`` as last recorded."""
        try:
            first = self._record(n).read_text(encoding="utf-8").split("\n", 1)[0]
        except OSError:
            return None
        state, _, path = first.partition(" ")
        return (Path(path.strip()), state) if path.strip() else None

    def _recorded_sparse(self, n: int) -> list[str] | None:
        """The cone slot ``n`` was last given (a hint for choosing slots; git's own answer decides)."""
        try:
            lines = self._record(n).read_text(encoding="utf-8").splitlines()
        except OSError:
            return None
        found = [line.removeprefix("sparse ") for line in lines[1:] if line.startswith("sparse ")]
        try:
            value = json.loads(found[0]) if found else None
        except ValueError:
            return None
        return [str(d) for d in value] if isinstance(value, list) else None

    def _write(self, n: int, path: Path, state: str, sparse: list[str] | None = None) -> None:
        record = self._record(n)
        record.parent.mkdir(parents=True, exist_ok=True)
        tmp = record.with_name(f"{record.name}.tmp")
        cone = f"sparse {json.dumps(sparse)}\n" if sparse else ""
        tmp.write_text(f"{state} {path}\n{cone}", encoding="utf-8")
        os.replace(tmp, record)

    def _forget(self, n: int) -> None:
        self._record(n).unlink(missing_ok=True)

    # -- acquire -------------------------------------------------------------------------------------
    def acquire(self, target: Path, branch: str, base: str | None, sparse: list[str] | None = None) -> Lease:
        """A worktree at ``target`` on ``branch``: a new branch at ``base``, or (``base=None``) the existing
        branch as it is; ``sparse``: only those directories checked out (cone mode), else the whole tree.
        Whatever was at ``target`` before (a taken-over or pre-pool worktree) is removed."""
        sparse = sparse or None
        if self.size > 0:
            for n in self._candidates(target, sparse):
                lock = FileLock(_lock_path(self.project, n))
                try:
                    lock.acquire(timeout=0, note=str(os.getpid()))
                except LockBusy:
                    continue
                try:
                    lease = self._take(n, lock, target, branch, base, sparse)
                except BaseException:
                    lock.release()
                    raise
                if lease is not None:
                    return lease
                lock.release()
        self._clear_target(target, None)
        git.worktree_add(self.project.root, target, branch, base, sparse=sparse)
        return Lease(target, None, sparse=sparse)

    def _candidates(self, target: Path, sparse: list[str] | None = None) -> list[int]:
        """Slot numbers to try: the one a crashed run left at ``target`` first (it is there already), then
        existing slots last given this run's cone (nothing to add or delete), then other existing ones
        (changing a cone writes at most what a new slot would), then new ones."""
        order = sorted(
            range(self.size), key=lambda n: (self._read(n) is None, self._recorded_sparse(n) != sparse)
        )
        for n in order:
            found = self._read(n)
            if found is not None and found[0] == target:
                return [n, *(m for m in order if m != n)]
        return order

    def _take(
        self, n: int, lock: FileLock, target: Path, branch: str, base: str | None, sparse: list[str] | None
    ) -> Lease | None:
        """Slot ``n`` (its lock held) as the worktree at ``target``; ``None``: leave this slot alone."""
        root = self.project.root
        found = self._read(n)
        where = self._locate(n, found)
        if where is not None and where not in (self.home(n), target):
            # Left at another spec's path by a run that died: that spec's next run resumes there (and a
            # `chant takeover` may have handed it to a human meanwhile). Not this run's to scrub.
            return None
        self._clear_target(target, where)
        if where is not None and (found is None or found[1] != "free" or where != self.home(n)):
            # A crashed run's slot (or one recorded half-way through a move): clean and verified first.
            try:
                self._scrub(where)
            except (git.GitError, ChantError):
                self._discard(n, where)
                where = None
        if where is None:
            home = self.home(n)
            self._clear_target(home, None)
            git.worktree_add_detached(root, home, base or branch, sparse=sparse)
            where = home
        self._write(n, target, "busy", sparse)
        if where != target:
            git.worktree_move(root, where, target)
        try:
            # The cone first, at the slot's old commit: the switch then writes only in-cone differences.
            if git.sparse_dirs(target) != sparse:
                if sparse:
                    git.sparse_set(target, sparse)
                else:
                    git.sparse_disable(target)
            if base is None:
                git.switch(target, branch)
            else:
                git.switch_new(target, branch, base)
        except git.GitError:
            self._discard(n, target)
            raise
        return Lease(target, n, lock, sparse)

    def _locate(self, n: int, found: tuple[Path, str] | None) -> Path | None:
        """Where slot ``n`` really is: its recorded path or its home, if that is a worktree of this
        repository whose git dir points back at it."""
        candidates = [found[0]] if found is not None else []
        candidates.append(self.home(n))
        for path in candidates:
            admin = git.worktree_admin(path)
            if admin is None or not admin.is_dir():
                continue
            try:
                back = Path((admin / "gitdir").read_text(encoding="utf-8").strip())
            except OSError:
                continue
            if back.resolve() == (path / ".git").resolve() and admin.name.startswith(
                slot_name(self.project, n)
            ):
                return path
        return None

    def _clear_target(self, target: Path, keep: Path | None) -> None:
        if target != keep and target.exists():
            git.worktree_remove(self.project.root, target)

    # -- release -------------------------------------------------------------------------------------
    def release(self, lease: Lease) -> None:
        """Give the worktree back: clean it and return it to the pool, or remove it."""
        root = self.project.root
        if lease.slot is None or lease.lock is None:
            git.worktree_remove(root, lease.path)
            return
        n = lease.slot
        try:
            try:
                self._scrub(lease.path)
                home = self.home(n)
                self._clear_target(home, None)
                git.worktree_move(root, lease.path, home)
                self._write(n, home, "free", lease.sparse)
            except (git.GitError, ChantError, OSError):
                self._discard(n, lease.path)
        finally:
            lease.lock.release()

    def _scrub(self, path: Path) -> None:
        """Off any branch, back to its commit, verified clean (per ``worktree.clean``); raises if not."""
        admin = git.worktree_admin(path)
        if admin is None:
            raise ChantError(f"{path} is not a worktree")
        self._clear_locks([admin / "index.lock", admin / "HEAD.lock"])
        if any((admin / name).exists() for name in _UNFINISHED):
            raise ChantError(f"{path}: an unfinished merge, rebase or bisect")
        foreign = [k for k in git.config_file_keys(admin / "config.worktree") if k not in _SPARSE_KEYS]
        if foreign:
            raise ChantError(f"{path}: its own config.worktree sets {', '.join(foreign)}")
        if (path / ".chant").is_dir():
            git.clean_ignored(path, ".chant")  # chant's copy of a git-ignored spec (silent mode)
        git.detach(path)
        if git.dirty(path, ignored=self.ignored):
            git.discard_changes(path, ignored=self.ignored)
            left = git.dirty(path, ignored=self.ignored)
            if left:
                raise ChantError(f"{path} is not clean after cleaning: {left[0]}")

    def _discard(self, n: int, path: Path) -> None:
        git.worktree_remove(self.project.root, path)
        self._forget(n)
