"""Moving the main branch: every status commit and every merge of ``chant work`` goes through here.

Status commits are made without the checkout (``commit-tree`` on a private index) and published with a
compare-and-swap ``update-ref <new> <old>``, whatever the user has checked out meanwhile, so status can only
ever land on the main branch; then, if the checkout is on main, the spec file and its index entry follow.
Merges use git's own fast-forward of the checkout (``merge --ff-only`` of chant's merge commit: it refuses
before touching anything when uncommitted changes are in the way), or ``update-ref`` alone when the
checkout is elsewhere.

Git's ref update is atomic; the checkout update is not. A fast-forward updates the files and the index
first and the ref last, a status commit the ref first and the file last, and a kill in between leaves a
checkout that disagrees with its branch in a way nothing could tell from the user's own work. So before
either, chant writes ``.chant/run/checkout-pending`` with both commits and removes it once the checkout
caught up; the next chant to take the main lock finds it and finishes the move (``repair_checkout``): the
ref is moved if git had not got to it yet, a path whose index entry and file still hold the old version
gets the new one, a path the user changed meanwhile is left alone and named.

Stale git lock files (a git killed mid-write leaves ``index.lock``, ``HEAD.lock``, ``refs/heads/main.lock``)
would make every later write fail; before moving main chant waits for the ones it needs to disappear and
removes them once no running git can own them (``git.stale_locks``).
"""

from __future__ import annotations

import atexit
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from chant import git, layout
from chant.errors import ChantError
from chant.locks import FileLock, is_locked, locked
from chant.project import Project
from chant.run import crashpoints
from chant.spec.model import Spec
from chant.spec.status import Status


class _Gate:
    """The in-process half of the main lock, in front of the cross-process flock (threads of one chant
    queue here instead of spinning on flock). A waiter may also leave without the lock when the holder
    did its work for it (a batched status commit carried its edit)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False

    def acquire(self, unless: Callable[[], bool] | None = None) -> bool:
        with self._cond:
            while True:
                if unless is not None and unless():
                    return False
                if not self._held:
                    self._held = True
                    return True
                self._cond.wait()

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


_GATE = _Gate()
JOURNAL = "checkout-pending"
STALE_LOCK_SECONDS = 5.0  # default of git.stale_lock_seconds
_CAS_ATTEMPTS = 5
_INSTANCES = itertools.count()


class StatusChange(NamedTuple):
    """A status change for ``Mainline.record_all``: ``record``'s arguments."""

    spec_id: str
    updates: dict[str, Any]
    status: Status
    force: bool
    message: str


@dataclass(eq=False)
class _Edit:
    """One status change on its way to the main branch."""

    spec_id: str
    updates: dict[str, Any]
    status: Status
    force: bool
    message: str
    done: bool = False
    spec: Spec | None = None
    commit: str | None = None  # the main commit that holds it
    error: BaseException | None = None

    def result(self) -> tuple[Spec, str]:
        if self.error is not None:
            raise self.error
        assert self.spec is not None and self.commit is not None
        return self.spec, self.commit


def batch_message(edits: list[_Edit]) -> str:
    """One edit: its own message (``chant(<id>): start``). Several: a subject naming each spec and what
    happened to it, and each spec's own message as a line of the body, so ``git log --grep`` and readers
    of ``chant(<id>): start`` lines find them as before."""
    if len(edits) == 1:
        return f"{edits[0].message}\n\n{git.BOOKKEEPING_TRAILER}"
    lines = [e.message.splitlines()[0] for e in edits]
    what = ", ".join(f"{e.spec_id} {line.split('): ', 1)[-1]}" for e, line in zip(edits, lines, strict=True))
    body = "\n".join(lines)
    return f"chant: {len(edits)} status changes ({what})\n\n{body}\n\n{git.BOOKKEEPING_TRAILER}"


class Mainline:
    """The main branch of one project, as ``chant work`` moves it."""

    def __init__(self, project: Project, branch: str) -> None:
        self.project = project
        self.branch = branch
        self.left_main: str | None = None  # the branch the user switched to mid-run, once noticed
        self.on_note: Callable[[str], None] = lambda _text: None
        # The private index status commits are built in, and the tree it holds (None: not read yet).
        self._index = project.run_dir / f"bookkeeping-{os.getpid()}-{next(_INSTANCES)}.index"
        self._index_tree: str | None = None
        # Status edits of threads waiting for the main lock: its holder commits them with its own.
        self._pending: list[_Edit] = []
        self._pending_mutex = threading.Lock()
        self.batch = project.config.get("git.batch_status", True) is not False
        atexit.register(self.close)

    def on_main(self) -> bool:
        """Is the checkout on the main branch? Read from the HEAD file: this runs for every commit."""
        try:
            head = (self.git_dirs()[0] / "HEAD").read_text(encoding="utf-8").strip()
        except OSError:
            return git.current_branch(self.project.root) == self.branch
        on = head == f"ref: refs/heads/{self.branch}"
        if not on:
            self.left_main = (
                head.removeprefix("ref: refs/heads/") if head.startswith("ref: ") else "a detached HEAD"
            )
        return on

    def close(self) -> None:
        self._index.unlink(missing_ok=True)

    # -- the lock ------------------------------------------------------------------------------------
    def lock(self) -> MainLock:
        return MainLock(self)

    def recover(self) -> None:
        """Finish what a chant killed while moving main left undone. Caller holds the main lock."""
        journal = self.project.run_dir / JOURNAL
        if not journal.exists():
            return
        # chant died inside a checkout update: the lock its git left is chant's own to clear. (Any other
        # stale lock is the pre-flight's to name and `chant cleanup`'s to remove.)
        self._clear_git_locks()
        try:
            old, new = journal.read_text(encoding="utf-8").split()[:2]
        except ValueError:
            journal.unlink(missing_ok=True)
            return
        for note in repair_checkout(self.project.root, self.branch, old, new):
            self.on_note(note)
        journal.unlink(missing_ok=True)

    def sweep_stale_locks(self) -> None:
        """Remove the stale git locks of chant's own branches and worktrees (an agent's `git commit` killed
        with its agent), so the pre-flight does not refuse the run for them. Caller holds the main lock."""
        live = {p for p in self.project.run_dir.glob("locks/run-*.lock") if is_locked(p)}
        common = self.git_dirs()[1]
        prefix = str(self.project.config.get("defaults.branch_prefix", "chant/"))
        ours = [
            p
            for p in git_lock_candidates(
                self.project, lambda sid: layout.run_lock_path(self.project, sid) in live
            )
            if p.is_relative_to(common / "refs" / "heads" / prefix.rstrip("/"))
            or p.parent.parent == common / "worktrees"
        ]
        for lock in git.stale_locks(
            self.project.root, ours, min_age=stale_lock_seconds(self.project), now=time.time()
        ):
            lock.unlink(missing_ok=True)
            self.on_note(f"removed {lock}: left by a git process that was killed (no git is running)")

    def _clear_git_locks(self) -> None:
        git_dir, common = self.git_dirs()
        self.clear_stale_locks(
            [
                git_dir / "index.lock",
                git_dir / "HEAD.lock",
                common / "refs" / "heads" / f"{self.branch}.lock",
                common / "packed-refs.lock",
            ]
        )

    def clear_stale_locks(self, candidates: list[Path]) -> None:
        """Wait for those of git's lock files that exist to go away; remove them once no running git can
        own them (``git.stale_locks``). Raises, naming them, if a live git keeps one."""
        present = [p for p in candidates if p.exists()]
        if not present:
            return
        min_age = stale_lock_seconds(self.project)
        deadline = time.monotonic() + min_age + 2.0
        while present:
            for lock in git.stale_locks(self.project.root, present, min_age=min_age, now=time.time()):
                lock.unlink(missing_ok=True)
                self.on_note(f"removed {lock}: left by a git process that was killed (no git is running)")
            present = [p for p in present if p.exists()]
            if not present:
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        raise ChantError(
            "git lock file(s) in the way: " + ", ".join(map(str, present)),
            hint="a git process is using the repository; wait for it, or if none is running, "
            "`chant cleanup` removes the stale lock",
        )

    def git_dirs(self) -> tuple[Path, Path]:
        if not hasattr(self, "_dirs"):
            self._dirs = git.git_dirs(self.project.root)
        return self._dirs

    # -- status commits ------------------------------------------------------------------------------
    def record(
        self, spec_id: str, updates: dict[str, Any], *, status: Status, force: bool, message: str
    ) -> Spec:
        """Edit the spec's frontmatter and commit that onto the main branch. Caller holds the main lock.

        The commit is made from the main branch's own copy of the spec (a user's uncommitted edit of the
        file is never committed) and the checkout's file gets the same edit afterwards (keeping that edit).
        Edits other threads queued meanwhile (``record_waiting``) go into the same commit.
        """
        edit = _Edit(spec_id, updates, status, force, message)
        self._commit([edit, *self._take_pending()])
        return edit.result()[0]

    def record_all(self, changes: list[StatusChange]) -> list[Spec]:
        """``record`` of several specs in one commit (with the edits queued meanwhile); caller holds the
        main lock. Every change is tried; the first one's error, if any, is raised after."""
        edits = [_Edit(*change) for change in changes]
        if edits:
            self._commit([*edits, *self._take_pending()])
        return [edit.result()[0] for edit in edits]

    def record_waiting(
        self, spec_id: str, updates: dict[str, Any], *, status: Status, force: bool, message: str
    ) -> tuple[Spec, str]:
        """``record`` for a caller that does not hold the main lock; returns the spec and the main commit
        holding the edit.

        Group commit, as databases do it: the edit joins a queue; while another thread holds the main lock
        the edit waits for that holder to commit it with its own, else this thread takes the lock and
        commits every queued edit. Either way this returns only once the edit is on main and in the
        checkout, so no caller proceeds on a status that is not committed.
        """
        edit = _Edit(spec_id, updates, status, force, message)
        if not self.batch:
            with self.lock():
                self._commit([edit])
            return edit.result()
        with self._pending_mutex:
            self._pending.append(edit)
        lock = self.lock()
        try:
            entered = lock.enter(unless=lambda: edit.done)
        except BaseException:
            self._withdraw(edit)
            raise
        if entered:
            try:
                if not edit.done:
                    self._commit(self._take_pending())
            finally:
                lock.__exit__()
        return edit.result()

    def _take_pending(self) -> list[_Edit]:
        with self._pending_mutex:
            taken, self._pending = self._pending, []
        return taken

    def _withdraw(self, edit: _Edit) -> None:
        """An edit whose thread gave up before anyone committed it (it has the gate: no holder has it)."""
        with self._pending_mutex:
            if edit in self._pending:
                self._pending.remove(edit)

    def _commit(self, edits: list[_Edit]) -> None:
        """Commit ``edits`` onto main in one commit (caller holds the main lock); each edit ends done, with
        its spec or its error, and the threads waiting for them are woken."""
        try:
            self._commit_batch(edits)
        except BaseException as exc:
            for edit in edits:
                if not edit.done:
                    edit.error = exc
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt, SystemExit: this thread stops too; an error goes to each edit
        finally:
            for edit in edits:
                edit.done = True
            _GATE.wake()

    def _commit_batch(self, edits: list[_Edit]) -> None:
        project = self.project
        root = project.root
        live = edits
        for _attempt in range(_CAS_ATTEMPTS):
            on_main = self.on_main()
            rels = [project.rel(project.spec_path(e.spec_id)) for e in live]
            found = git.read_objects(
                root, [f"refs/heads/{self.branch}", *(f"refs/heads/{self.branch}:{rel}" for rel in rels)]
            )
            tip = found[0]
            if tip is None:
                raise ChantError(f"main branch '{self.branch}' has no commits")
            texts: dict[str, str] = {}  # rel -> the new committed text (two edits of one spec: both)
            changed: list[tuple[_Edit, str]] = []
            for edit, rel, blob in zip(live, rels, found[1:], strict=True):
                try:
                    if blob is None:
                        edit.spec = self._record_untracked(edit, on_main)
                        edit.commit = git.head(root, self.branch) or tip[0]
                        continue
                    committed = texts.get(rel, blob[1].decode("utf-8"))
                    new_text = project.edited_text(
                        edit.spec_id, committed, edit.updates, status=edit.status, force=edit.force
                    )
                    if new_text == committed and rel not in texts:
                        edit.spec = (
                            self._update_checkout_files([(edit, new_text, None)])[0]
                            if on_main
                            else project.reload(edit.spec_id)
                        )
                        edit.commit = tip[0]
                        continue
                except ChantError as exc:  # this edit's own problem (a refused transition): not the batch's
                    edit.error, edit.done = exc, True
                    continue
                texts[rel] = new_text
                changed.append((edit, rel))
            if not changed:
                return
            shas = {rel: git.write_blob(root, text, rel) for rel, text in texts.items()}
            batch = [edit for edit, _rel in changed]
            message = batch_message(batch)
            commit = git.commit_tree(root, self._tree_with(tip, shas), [tip[0]], message)
            try:
                self._move(tip[0], commit, message, journal=on_main)
            except git.GitError:
                if git.head(root, self.branch) != tip[0]:
                    live = batch  # main moved (a user's commit, `chant add`): redo on the new tip
                    continue
                raise
            for edit in batch:
                edit.commit = commit
            if not on_main:
                for edit, rel in changed:
                    edit.spec = Spec.from_text(edit.spec_id, project.spec_path(edit.spec_id), texts[rel])
                return
            if any(e.status == Status.COMPLETED for e in batch):
                crashpoints.point("status-commit")
            self._update_checkout_files([(edit, texts[rel], shas[rel]) for edit, rel in changed])
            self._journal_done()
            return
        raise ChantError(f"{self.branch} kept moving while recording {', '.join(e.spec_id for e in live)}")

    def _tree_with(self, tip: tuple[str, bytes], blobs: dict[str, str]) -> str:
        """``tip``'s tree with each path of ``blobs`` set to its blob. The private index is read from
        ``tip`` only when it does not hold that tree already (it does after chant's own previous commit,
        the usual case)."""
        tree = tip[1].split(b"\n", 1)[0].removeprefix(b"tree ").decode()
        if self._index_tree != tree:
            git.read_tree(self.project.root, tip[0], self._index)
        self._index_tree = None  # until write-tree says what it holds now
        new_tree = git.index_tree_with(self.project.root, blobs, self._index)
        self._index_tree = new_tree
        return new_tree

    def _update_checkout_files(self, items: list[tuple[_Edit, str, str | None]]) -> list[Spec]:
        """Each edit applied to the checkout's file too, and the index entries of those committed (``sha``
        given) set: one ``update-index`` for the files now equal to the commit, one for the others."""
        project = self.project
        specs: list[Spec] = []
        plain: list[str] = []
        staged: dict[str, str | None] = {}
        with locked(project.lock_path("git-index"), timeout=120):
            for edit, committed, sha in items:
                spec = project.update_spec(edit.spec_id, edit.updates, status=edit.status, force=True)
                edit.spec = spec
                specs.append(spec)
                if sha is None:
                    continue
                rel = project.rel(spec.path)
                if spec.path.read_text(encoding="utf-8") == committed:
                    plain.append(rel)
                    staged.pop(rel, None)
                else:  # the user's uncommitted edit stays an unstaged change on top of the commit
                    staged[rel] = f"100644 {sha}"
            if plain:
                git.run(["update-index", "--", *dict.fromkeys(plain)], project.root)
            git.set_index(project.root, staged)
        return specs

    def _record_untracked(self, edit: _Edit, on_main: bool) -> Spec:
        """A spec file the main branch does not have: git-ignored (silent mode: never committed) or new
        and not committed yet (committed now, as before, when the checkout is on main)."""
        project = self.project
        spec = project.update_spec(edit.spec_id, edit.updates, status=edit.status, force=edit.force)
        if on_main:
            with locked(project.lock_path("git-index"), timeout=120):
                git.commit_paths(project.root, [project.rel(spec.path)], edit.message)
        return spec

    # -- merges --------------------------------------------------------------------------------------
    def advance(self, old: str, new: str, message: str) -> None:
        """Move main from ``old`` to ``new`` (a descendant) and the checkout with it, if it is on main.

        Raises ``GitError`` before anything moved when uncommitted changes are in the way, or when main is
        no longer at ``old`` (the caller recomputes the merge).
        """
        root = self.project.root
        if not self.on_main():
            git.update_ref(root, self.branch, new, old, message.splitlines()[0])
            return
        with locked(self.project.lock_path("git-index"), timeout=120):
            self._journal(old, new)
            if crashpoints.armed("checkout-update") or crashpoints.armed("checkout-done"):
                _die_inside_fast_forward(root, old, new, self.git_dirs()[0])
            try:
                self._fast_forward(old, new, message)
            except git.GitError:
                self._journal_done()  # git refused before it changed anything
                raise
        self._journal_done()

    def _fast_forward(self, old: str, new: str, message: str) -> None:
        """The checkout from ``old`` to ``new``, then the branch: only the paths the merge changed are
        touched (``read-tree -m -u``). When git refuses that, its own ``merge --ff-only`` decides -- it
        refuses too when the user's uncommitted changes are in the way, naming them as before."""
        root = self.project.root
        if not git.two_way_update(root, old, new):
            git.fast_forward(root, new)
            return
        try:
            git.update_ref(root, self.branch, new, old, message.splitlines()[0])
        except git.GitError:
            git.two_way_update(root, new, old)  # the branch moved meanwhile: the checkout goes back with it
            raise

    # -- the journal ---------------------------------------------------------------------------------
    def _move(self, old: str, new: str, message: str, *, journal: bool) -> None:
        if journal:
            self._journal(old, new)
        try:
            git.update_ref(self.project.root, self.branch, new, old, message.splitlines()[0])
        except git.GitError:
            if journal:
                self._journal_done()
            raise

    def _journal(self, old: str, new: str) -> None:
        # Only a kill of this process must not lose it (git's ref update is not fsynced either): no fsync.
        path = self.project.run_dir / JOURNAL
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(f"{old} {new}\n", encoding="utf-8")
        os.replace(tmp, path)

    def _journal_done(self) -> None:
        (self.project.run_dir / JOURNAL).unlink(missing_ok=True)


class MainLock:
    """Serialises everything that moves the main branch: in-process mutex + cross-process flock. Whoever
    takes it first finishes what a killed chant left half-done (see ``Mainline.recover``)."""

    def __init__(self, mainline: Mainline) -> None:
        self.mainline = mainline
        self.lock = FileLock(mainline.project.lock_path("integration"))

    def __enter__(self) -> MainLock:
        self.enter()
        return self

    def enter(self, unless: Callable[[], bool] | None = None) -> bool:
        """Take the lock; or, with ``unless``, return False as soon as that holds (checked while another
        thread holds the lock, each time the gate is woken) without taking it."""
        if not _GATE.acquire(unless):
            return False
        try:
            self.lock.acquire(timeout=600)
            self.mainline.recover()
        except BaseException:
            self.lock.release()
            _GATE.release()
            raise
        return True

    def __exit__(self, *exc: object) -> None:
        self.lock.release()
        _GATE.release()


def git_lock_candidates(project: Project, live: Callable[[str], bool]) -> list[Path]:
    """git's lock files in the repository, but those in the worktree of a run that is live (its agent's
    business: the watchdog holds the run lock while any agent process lives)."""
    from chant.run.worktrees import slot_live

    prefix = f"{project.name}-"
    return [
        p
        for p in git.lock_files(project.root)
        if not (
            p.parent.parent.name == "worktrees"
            and (live(p.parent.name.removeprefix(prefix)) or slot_live(project, p.parent.name))
        )
    ]


def stale_lock_seconds(project: Project) -> float:
    try:
        return float(project.config.get("git.stale_lock_seconds", STALE_LOCK_SECONDS))
    except (TypeError, ValueError):
        return STALE_LOCK_SECONDS


def pending_checkout(project: Project) -> tuple[str, str] | None:
    """The ``(old, new)`` of a checkout update a killed chant left unfinished, if any."""
    journal = project.run_dir / JOURNAL
    try:
        old, new = journal.read_text(encoding="utf-8").split()[:2]
    except (OSError, ValueError):
        return None
    return old, new


def repair_checkout(root: Path, branch: str, old: str, new: str) -> list[str]:
    """Finish moving the checkout from ``old`` to ``new`` after ``branch`` moved without it.

    Per path that changed between the two: an index entry and file still at ``old`` get ``new``'s version;
    a file already at ``new`` (git was killed while writing files) only gets its index entry; anything
    else is the user's work and stays as it is. Returns notes for the user.
    """
    if git.current_branch(root) != branch:
        return []  # the checkout is elsewhere; the branch itself is consistent
    tip = git.head(root, branch)
    changed = git.changes(root, old, new)
    paths = [c.path for c in changed]
    index = git.index_entries(root, paths)
    files = git.file_blobs(root, paths)
    if tip == old:
        # Killed inside git's fast-forward, before its ref update. If it had not touched anything yet, there
        # is nothing to finish (the merge simply did not happen); else finish it: the ref first.
        started = any(
            index.get(c.path) == c.new or (c.new and files.get(c.path) == c.new.split()[1]) for c in changed
        )
        if not started:
            return []
        git.update_ref(root, branch, new, old, "chant: finish a fast-forward a killed chant left")
    elif tip != new:
        return [
            f"{branch} moved on from {new[:12]} before its checkout was updated; "
            "check `git status` for changes that undo chant's last commit"
        ]
    set_entries: dict[str, str | None] = {}
    write: list[str] = []
    kept: list[str] = []
    for change in changed:
        entry = index.get(change.path)
        if entry == change.new:
            continue
        old_sha = change.old.split()[1] if change.old else None
        new_sha = change.new.split()[1] if change.new else None
        on_disk = files.get(change.path)
        if entry != change.old:
            kept.append(change.path)  # the user staged something else
            continue
        set_entries[change.path] = change.new
        if on_disk == new_sha:
            continue
        if on_disk == old_sha:
            if change.new is None:
                (root / change.path).unlink(missing_ok=True)
            else:
                write.append(change.path)
        else:
            kept.append(change.path)  # the user's unstaged edit: their file stays as it is
    git.set_index(root, set_entries)
    git.checkout_files(root, write)
    git.refresh(root, [p for p in set_entries if p not in write])
    notes = []
    if set_entries:
        notes.append(
            f"finished updating your checkout of {branch} to {new[:12]} ({len(set_entries)} path(s)) "
            "after a chant was killed in the middle of it"
        )
    if kept:
        notes.append("left your own changes in place: " + ", ".join(kept))
    return notes


def _die_inside_fast_forward(root: Path, old: str, new: str, git_dir: Path) -> None:
    """Test-only: leave what a git killed inside ``merge --ff-only`` leaves, then SIGKILL this process.

    ``checkout-update``: its index.lock taken and one file already rewritten, the index not;
    ``checkout-done``: index and files at the merge, the branch not moved yet (git's ref update is last).
    """
    if crashpoints.armed("checkout-done"):
        git.run(["read-tree", "-m", "-u", old, new], root)
        crashpoints.point("checkout-done")
    fd = os.open(git_dir / "index.lock", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.close(fd)
    changed = [c for c in git.changes(root, old, new) if c.new is not None]
    if changed:
        first = changed[0]
        content = git.read_objects(root, [first.new.split()[1]])[0]  # type: ignore[union-attr]
        if content is not None:
            target = root / first.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content[1])
    crashpoints.point("checkout-update")
