"""The only module that runs git. Every call is explicit about its working directory."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from chant import clock
from chant.errors import ChantError

# Trailer that marks chant's own bookkeeping commits, so they are never mistaken for an agent's work.
BOOKKEEPING_TRAILER = "Chant-Bookkeeping: true"


_LOCK_IN_MESSAGE = re.compile(r"Unable to create '([^']+\.lock)': File exists")
_MAX_ERROR_LINES = 30


class GitError(ChantError):
    """A git command that failed. The message carries git's whole stderr (git names the lock file, the
    files in the way... on lines before its last), one line per line; ``summary`` is the one-line form
    for a spec's ``failure_reason``."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        lines = [line.rstrip() for line in stderr.strip().splitlines() if line.strip()]
        if len(lines) > _MAX_ERROR_LINES:
            lines = lines[: _MAX_ERROR_LINES - 1] + [f"... ({len(lines) - _MAX_ERROR_LINES + 1} more lines)"]
        head = f"git {' '.join(args[:3])} failed"
        detail = "\n  ".join(lines) if lines else f"exit {returncode}"
        lock = _LOCK_IN_MESSAGE.search(stderr)
        hint = None
        if lock:
            hint = (
                f"{lock.group(1)} was left by a git process that did not finish (killed or crashed); "
                "if no git is running, `chant cleanup` removes it"
            )
        super().__init__(f"{head}: {detail}", hint=hint)
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr
        self.lines = lines
        self.lock_file = Path(lock.group(1)) if lock else None
        self.summary = f"{head}: " + (" ".join(lines) if lines else f"exit {returncode}")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


# Variables that tell git which repository, index or object store to use. git sets them for hooks
# (`GIT_INDEX_FILE`, and `GIT_DIR` in a linked worktree) and for `rebase -x`; an IDE wrapper may set them
# too. Inherited, they send every git call chant makes in a worktree -- and the agent's own `git commit` --
# to the caller's repository and index. Identity, config and transport variables are kept.
REPO_LOCATING_VARS = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_QUARANTINE_PATH",
        "GIT_INTERNAL_SUPER_PREFIX",
    }
)


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without the variables that locate a repository.

    Use it for every child that may run git: git itself and the agents.
    """
    source = os.environ if base is None else base
    return {key: value for key, value in source.items() if key not in REPO_LOCATING_VARS}


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = clean_env()
    env.update(clock.git_date_env())
    # Never block on an editor or a credential prompt; chant runs unattended.
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    env["GIT_EDITOR"] = "true"
    env["GIT_MERGE_AUTOEDIT"] = "no"
    if extra:
        env.update(extra)
    return env


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    check: bool = True,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> Result:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=_env(env),
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except (OSError, ValueError) as exc:
        # git could not even start: an argument from a spec too long for the kernel (E2BIG: a
        # 200,000-character branch name), a NUL in one, no git on PATH. Failed like any git error.
        result = Result(127, "", f"cannot run git: {exc}")
        if check:
            raise GitError(list(args), 127, result.stderr) from None
        return result
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    if check and not result.ok:
        raise GitError(list(args), proc.returncode, proc.stderr)
    return result


def out(args: Sequence[str], cwd: Path) -> str:
    return run(args, cwd).stdout.strip()


def toplevel(start: Path) -> Path | None:
    result = run(["rev-parse", "--show-toplevel"], start, check=False)
    return Path(result.stdout.strip()) if result.ok else None


def is_tracked(root: Path, path: Path) -> bool:
    return run(["ls-files", "--error-unmatch", "--", str(path)], root, check=False).ok


def is_ignored(root: Path, path: Path) -> bool:
    return run(["check-ignore", "-q", "--", str(path)], root, check=False).ok


def head(cwd: Path, ref: str = "HEAD") -> str | None:
    result = run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd, check=False)
    return result.stdout.strip() or None


def heads(cwd: Path, *refs: str) -> list[str]:
    """The commit SHAs of several refs in one call (raises if one does not exist)."""
    return out(["rev-parse", *(f"{r}^{{commit}}" for r in refs)], cwd).split()


def current_branch(cwd: Path) -> str | None:
    result = run(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd, check=False)
    return result.stdout.strip() or None


def commit_paths(
    root: Path,
    paths: Sequence[Path | str],
    message: str,
    *,
    bookkeeping: bool = True,
    allow_empty: bool = False,
) -> str | None:
    """Commit exactly ``paths`` (other staged changes of the user stay staged and uncommitted).

    Returns the new commit SHA, or ``None`` when there was nothing to commit.
    """
    rels = [str(p) for p in paths]
    # One `status` instead of `add` + `diff --cached`: `commit --only` takes the paths' working-tree
    # contents itself, so only untracked files need an `add` (this runs twice per spec in `chant work`).
    changed = run(["status", "--porcelain", "-z", "--untracked-files=all", "--", *rels], root).stdout
    entries = [e for e in changed.split("\0") if len(e) > 3 and e[2] == " "]
    if not entries and not allow_empty:
        return None
    untracked = [e[3:] for e in entries if e.startswith("??")]
    if untracked:
        run(["add", "--", *untracked], root)
    full = f"{message}\n\n{BOOKKEEPING_TRAILER}" if bookkeeping else message
    args = ["commit", "--quiet", "--no-verify", "-m", full]
    if allow_empty:
        args.append("--allow-empty")
    result = run([*args, "--only", "--", *rels], root, check=False)
    if not result.ok:
        # Staged-but-reverted paths show in `status` yet leave nothing to commit: same as "no changes".
        if not allow_empty and run(["diff", "--quiet", "HEAD", "--", *rels], root, check=False).ok:
            return None
        raise GitError(args, result.returncode, result.stderr)
    return head(root)


# -- refs, objects and history ---------------------------------------------------------------------
def branch_exists(root: Path, branch: str) -> bool:
    return run(["show-ref", "--verify", "--quiet", f"refs/heads/{branch}"], root, check=False).ok


def delete_branch(root: Path, branch: str) -> None:
    run(["branch", "-D", branch], root, check=False)


def delete_branches(root: Path, branches: Sequence[str]) -> None:
    """``git branch -D`` several at once (missing ones are skipped by git, the rest still go)."""
    if branches:
        run(["branch", "-D", *branches], root, check=False)


def merge_base(root: Path, a: str, b: str) -> str | None:
    result = run(["merge-base", a, b], root, check=False)
    return result.stdout.strip() or None


def rev_list(root: Path, spec: str) -> list[str]:
    """Commits in ``spec`` (e.g. ``base..branch``), oldest first."""
    output = run(["rev-list", "--reverse", spec], root).stdout
    return [line for line in output.splitlines() if line]


def log_messages(root: Path, spec: str, paths: Sequence[str] = ()) -> list[tuple[str, str]]:
    """``(sha, message)`` of the commits in ``spec`` (e.g. ``base..branch``), oldest first: one git call
    where ``rev_list`` and a ``git show`` per commit took two (the pipeline runs this once per spec). With
    ``paths``: only the commits that changed one of them."""
    limit = ["--", *paths] if paths else []
    output = run(["log", "--reverse", "--format=%H%x00%B%x01", spec, *limit], root).stdout
    found: list[tuple[str, str]] = []
    for record in output.split("\x01"):
        record = record.strip("\n")
        if "\x00" in record:
            sha, body = record.split("\x00", 1)
            found.append((sha.strip(), body))
    return found


def is_bookkeeping(message: str) -> bool:
    return BOOKKEEPING_TRAILER in message


def show_file(root: Path, rev: str, path: str) -> str | None:
    result = run(["show", f"{rev}:{path}"], root, check=False)
    return result.stdout if result.ok else None


def path_exists_at(root: Path, rev: str, path: str) -> bool:
    return run(["cat-file", "-e", f"{rev}:{path}"], root, check=False).ok


def missing_at(root: Path, rev: str, paths: Sequence[str]) -> list[str]:
    """Those of ``paths`` (files) that do not exist at ``rev``: one ``ls-tree`` instead of a call per path."""
    if not paths:
        return []
    output = run(["ls-tree", "-r", "-z", "--name-only", rev, "--", *paths], root).stdout
    present = set(output.split("\0"))
    return [p for p in paths if p.strip("/") not in present and p not in present]


def ls_tree(root: Path, rev: str) -> dict[str, str]:
    """``path -> blob sha`` of every file at ``rev``."""
    output = run(["ls-tree", "-r", "-z", rev], root).stdout
    files: dict[str, str] = {}
    for entry in output.split("\0"):
        if "\t" in entry:
            meta, path = entry.split("\t", 1)
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                files[path] = parts[2]
    return files


def status_porcelain(cwd: Path) -> list[str]:
    return [line for line in run(["status", "--porcelain"], cwd).stdout.splitlines() if line]


# -- git's own lock files ---------------------------------------------------------------------------
def git_dirs(root: Path) -> tuple[Path, Path]:
    """``(git dir of this checkout, common git dir)``; the same path for a main checkout."""
    output = out(["rev-parse", "--absolute-git-dir", "--git-common-dir"], root).splitlines()
    git_dir = Path(output[0])
    common = Path(output[1])
    if not common.is_absolute():
        common = (root / common).resolve()
    return git_dir, common


def lock_files(root: Path) -> list[Path]:
    """git's ``*.lock`` files in the repository of ``root``: the index, HEAD, refs, packed-refs and config
    of the common dir, and the index and HEAD of every linked worktree.

    A git killed mid-write leaves one behind and every later write fails until it is removed. Whether a
    lock is stale (no git still owns it) is the caller's judgement; this only finds them.
    """
    try:
        git_dir, common = git_dirs(root)
    except GitError:
        return []
    found: set[Path] = set()
    for directory in {git_dir, common}:
        found.update(directory.glob("*.lock"))
    refs = common / "refs"
    if refs.is_dir():
        found.update(refs.rglob("*.lock"))
    worktrees_dir = common / "worktrees"
    if worktrees_dir.is_dir():
        for entry in worktrees_dir.iterdir():
            if entry.is_dir():
                found.update(entry.glob("*.lock"))
    return sorted(p for p in found if p.is_file())


def git_running_in(paths: Sequence[Path]) -> bool:
    """Is a git process running in (or on) one of ``paths``? Judged from ``/proc``: a git whose working
    directory or ``GIT_DIR`` is inside one of them. A process whose details cannot be read counts as
    running, and so does everything where ``/proc`` does not exist."""
    roots = [str(p.resolve()) for p in paths]

    def inside(value: str) -> bool:
        return any(value == r or value.startswith(r + os.sep) for r in roots)

    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    me = os.getpid()
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/comm", "rb") as fh:
                comm = fh.read().strip()
        except OSError:
            continue  # gone meanwhile
        if not comm.startswith(b"git"):
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read().split(b"\0")
        except PermissionError:
            return True  # another user's git: cannot tell where it runs
        except OSError:
            continue  # exited (or exiting) meanwhile
        git_dir = next((v[8:].decode(errors="replace") for v in environ if v.startswith(b"GIT_DIR=")), "")
        if inside(cwd) or (git_dir and inside(git_dir)):
            return True
    return False


def stale_locks(root: Path, locks: Sequence[Path], *, min_age: float, now: float) -> list[Path]:
    """Those of ``locks`` no running git can own: older than ``min_age`` seconds and no git process at
    work in the repository (its checkout, its git dir or one of its worktrees)."""
    aged = []
    for lock in locks:
        try:
            if now - lock.stat().st_mtime >= min_age:
                aged.append(lock)
        except OSError:
            continue  # already gone
    if not aged:
        return []
    places = [root, *git_dirs(root)]
    try:
        places += [Path(w["worktree"]) for w in worktrees(root)]
    except GitError:
        pass
    return [] if git_running_in(places) else aged


# -- worktrees -----------------------------------------------------------------------------------
# git writes a new worktree's admin directory (.git/worktrees/<x>/) file by file, and every command that
# enumerates worktrees (another `worktree add`, `switch`, `worktree move`) reads all of them: one caught
# half-written fails with "failed to read .git/worktrees/<x>/commondir: Success". Parallel specs of one chant
# did exactly that under load, so this process changes and enumerates worktree metadata one at a time.
_WORKTREE_METADATA = threading.RLock()
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _one_at_a_time(func: Callable[_P, _R]) -> Callable[_P, _R]:
    @wraps(func)
    def locked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _WORKTREE_METADATA:
            return func(*args, **kwargs)

    return locked


@_one_at_a_time
def worktree_add(
    root: Path, path: Path, branch: str, base: str | None, *, sparse: Sequence[str] | None = None
) -> None:
    """New branch ``branch`` at ``base`` checked out at ``path``; an existing branch is checked out as is.
    ``sparse``: only those directories (cone mode, configured in that worktree alone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    empty = ["--no-checkout"] if sparse else []
    if base is None:
        run(["worktree", "add", *empty, str(path), branch], root)
    else:
        run(["worktree", "add", *empty, "-b", branch, str(path), base], root)
    if sparse:
        _populate_sparse(path, sparse)


@_one_at_a_time
def worktree_add_detached(root: Path, path: Path, rev: str, *, sparse: Sequence[str] | None = None) -> None:
    """A checkout of ``rev`` at ``path`` on no branch: whatever is done there moves no ref."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run(["worktree", "add", *(["--no-checkout"] if sparse else []), "--detach", str(path), rev], root)
    if sparse:
        _populate_sparse(path, sparse)


def _populate_sparse(path: Path, dirs: Sequence[str]) -> None:
    # Patterns first, files second: a full checkout written only to be deleted again is what sparse avoids.
    sparse_set(path, dirs)
    run(["read-tree", "-m", "-u", "HEAD"], path)


@_one_at_a_time  # the first one writes .git/config: two at once would fight over its lock
def sparse_set(cwd: Path, dirs: Sequence[str]) -> None:
    """Make the checkout ``cwd`` a cone-mode sparse checkout of ``dirs`` (git writes or deletes only the
    files whose membership changes). The setting lives in that worktree's own ``config.worktree``; git
    turns on ``extensions.worktreeConfig`` for the repository the first time (run/guard.py allows that)."""
    run(["sparse-checkout", "set", "--cone", "--", *dirs], cwd)


@_one_at_a_time
def sparse_disable(cwd: Path) -> None:
    """A full checkout again in ``cwd`` (every file outside the old cone is written back)."""
    run(["sparse-checkout", "disable"], cwd)


def sparse_dirs(cwd: Path) -> list[str] | None:
    """The directories of the cone-mode sparse checkout ``cwd`` (``None``: a full checkout)."""
    admin = worktree_admin(cwd)
    if admin is not None and not (admin / "info" / "sparse-checkout").is_file():
        return None  # no patterns, so a full checkout: a pool acquire spares itself a git process
    found = run(["sparse-checkout", "list"], cwd, check=False)
    if not found.ok:
        return None  # "this worktree is not sparse"
    return sorted(line for line in found.stdout.splitlines() if line)


def config_file_keys(path: Path) -> list[str]:
    """The keys set in the config file ``path`` (lower-case, as git lists them; none if it is missing)."""
    if not path.is_file():
        return []
    listed = run(["config", "--file", str(path), "--name-only", "--list"], path.parent, check=False)
    return [line.strip().lower() for line in listed.stdout.splitlines() if line.strip()]


def config_file_set(path: Path, key: str, value: str) -> None:
    """``key = value`` into the config file ``path``, written exactly as git writes it."""
    run(["config", "--file", str(path), key, value], path.parent)


def checkout_detached(worktree: Path, rev: str) -> None:
    """Point an existing scratch worktree at ``rev``, files and all, and drop whatever was left in it
    (cheaper than a new worktree: only the files that differ are written)."""
    run(["checkout", "-q", "--detach", "--force", rev], worktree)
    run(["clean", "-q", "-f", "-d", "-x"], worktree)


@_one_at_a_time
def worktree_remove(root: Path, path: Path) -> None:
    removed = run(["worktree", "remove", "--force", "--force", str(path)], root, check=False).ok
    if path.exists():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        removed = False
    # A clean `worktree remove` leaves nothing to prune; pruning every time cost a git call per spec.
    if not removed:
        run(["worktree", "prune"], root, check=False)


@_one_at_a_time
def worktree_move(root: Path, src: Path, dst: Path) -> None:
    """Move a linked worktree (a rename: its files, index and stat data are kept as they are)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    run(["worktree", "move", str(src), str(dst)], root)


@_one_at_a_time
def switch_new(cwd: Path, branch: str, base: str) -> None:
    """In the checkout ``cwd``: new branch ``branch`` at ``base``, checked out. A two-way move from the
    current commit: only the files that differ between the two are rewritten."""
    run(["switch", "--quiet", "--no-guess", "--create", branch, base], cwd)


@_one_at_a_time
def switch(cwd: Path, branch: str) -> None:
    """Check out the existing ``branch`` in ``cwd`` (git refuses if another worktree has it checked out)."""
    run(["switch", "--quiet", "--no-guess", branch], cwd)


def detach(cwd: Path) -> None:
    """Leave the branch of ``cwd``, staying on its commit: the branch is free again. Only HEAD is written
    (``checkout --detach`` would rewrite the whole index for nothing)."""
    run(["update-ref", "--no-deref", "-m", "chant: back to the worktree pool", "HEAD", "HEAD"], cwd)


def discard_changes(cwd: Path, *, ignored: bool) -> None:
    """Tracked files and the index back to HEAD, untracked files removed (ignored ones too if ``ignored``)."""
    run(["reset", "--quiet", "--hard"], cwd)
    run(["clean", "-q", "-f", "-f", "-d", *(["-x"] if ignored else [])], cwd)


def clean_ignored(cwd: Path, path: str) -> None:
    """Remove untracked and ignored files under ``path`` of the checkout ``cwd``."""
    run(["clean", "-q", "-f", "-f", "-d", "-x", "--", path], cwd)


def dirty(cwd: Path, *, ignored: bool) -> list[str]:
    """What ``git status`` reports in ``cwd`` (untracked included; ignored files too if ``ignored``)."""
    args = ["status", "--porcelain", "-z", "--untracked-files=all"]
    if ignored:
        args.append("--ignored")
    return [e for e in run(args, cwd).stdout.split("\0") if e]


def worktree_admin(path: Path) -> Path | None:
    """The git admin directory (``.git/worktrees/<name>``) of the linked worktree at ``path``, read from
    its ``.git`` file; ``None`` when ``path`` is not one."""
    try:
        text = (path / ".git").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text.startswith("gitdir: "):
        return None
    admin = Path(text.removeprefix("gitdir: "))
    return admin if admin.is_absolute() else (path / admin).resolve()


@_one_at_a_time
def worktree_add_reset(root: Path, path: Path, branch: str, rev: str) -> None:
    """A worktree at ``path`` on ``branch``, (re)set to ``rev`` even if a stale worktree still has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run(["worktree", "add", "--quiet", "--force", "-B", branch, str(path), rev], root)


# -- bundles (the ray executor ships commits to other machines as files) -----------------------------
def init_bare(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    run(["init", "--quiet", "--bare", str(path)], path)


def set_ref(root: Path, ref: str, sha: str) -> None:
    run(["update-ref", ref, sha], root)


def delete_ref(root: Path, ref: str) -> None:
    run(["update-ref", "-d", ref], root, check=False)


def bundle_create(root: Path, path: Path, revs: Sequence[str]) -> bool:
    """Write the commits of ``revs`` (e.g. ``refs/heads/x``, ``^base``) to the bundle ``path``; ``False``
    (and no file) when that is nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    result = run(["bundle", "create", "--quiet", str(path), *revs], root, check=False)
    if result.ok:
        return True
    if "empty bundle" in result.stderr:
        return False
    raise GitError(["bundle", "create", *revs], result.returncode, result.stderr)


def bundle_fetch(root: Path, path: Path, refspec: str) -> None:
    """Fetch ``refspec`` from the bundle file ``path`` into the repository of ``root``."""
    run(["fetch", "--quiet", "--no-tags", str(path), refspec], root)


def has_commit(root: Path, sha: str) -> bool:
    return run(["cat-file", "-e", f"{sha}^{{commit}}"], root, check=False).ok


def known_commits(root: Path, shas: Sequence[str]) -> list[str]:
    """Those of ``shas`` that name commits in the repository of ``root`` (one call)."""
    if not shas:
        return []
    result = run(
        ["cat-file", "--batch-check=%(objectname) %(objecttype)"], root, input="\n".join(shas) + "\n"
    )
    found = {line.split()[0] for line in result.stdout.splitlines() if line.endswith(" commit")}
    return [sha for sha in shas if sha in found]


def newest_refs(root: Path, patterns: Sequence[str], count: int) -> list[str]:
    """The commits of the ``count`` most recently committed refs matching ``patterns`` (newest first)."""
    result = run(
        ["for-each-ref", "--sort=-committerdate", f"--count={count}", "--format=%(objectname)", *patterns],
        root,
    )
    return list(dict.fromkeys(result.stdout.split()))


def refs_matching(root: Path, pattern: str) -> list[str]:
    return run(["for-each-ref", "--format=%(refname)", pattern], root).stdout.split()


def delete_refs(root: Path, refs: Sequence[str]) -> None:
    if refs:
        run(["update-ref", "--stdin"], root, input="".join(f"delete {ref}\n" for ref in refs))


def worktrees(root: Path) -> list[dict[str, str]]:
    output = run(["worktree", "list", "--porcelain"], root).stdout
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in output.splitlines():
        if not line:
            if current:
                found.append(current)
            current = {}
            continue
        key, _, value = line.partition(" ")
        current[key] = value
    if current:
        found.append(current)
    return found


# -- integration ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MergePlan:
    tree: str | None
    conflicts: list[str]


def merge_tree(root: Path, ours: str, theirs: str) -> MergePlan:
    """Compute a three-way merge without touching any checkout (``git merge-tree --write-tree``)."""
    result = run(
        ["merge-tree", "--write-tree", "--name-only", "--no-messages", ours, theirs], root, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line]
    if result.returncode == 0 and lines:
        return MergePlan(lines[0], [])
    if result.returncode == 1 and lines:
        return MergePlan(None, sorted(set(lines[1:])))
    raise GitError(["merge-tree", ours, theirs], result.returncode, result.stderr)


def commit_tree(root: Path, tree: str, parents: Sequence[str], message: str) -> str:
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    return run([*args, "-m", message], root).stdout.strip()


def update_ref(root: Path, branch: str, new: str, old: str, message: str) -> None:
    """Compare-and-swap ``refs/heads/<branch>`` from ``old`` to ``new``: fails if it moved meanwhile."""
    run(["update-ref", "-m", message, f"refs/heads/{branch}", new, old], root)


def two_way_update(root: Path, old: str, new: str) -> bool:
    """Move the checkout's index and files from commit ``old`` to ``new`` (``read-tree -m -u``), the ref
    not. Only the paths that differ are looked at: ``merge --ff-only`` stats every file of the checkout
    first. ``False``, with nothing changed, when git refuses (a change of the user's in the way)."""
    return run(["read-tree", "-m", "-u", old, new], root, check=False).ok


def fast_forward(root: Path, new: str) -> None:
    """Fast-forward the checked-out branch to ``new``, files and index with it; git refuses, changing
    nothing, when uncommitted changes are in the way. (git moves the files first and the ref last.)"""
    run(["merge", "--ff-only", "--quiet", new], root)


# -- bookkeeping commits without the checkout --------------------------------------------------------
def read_objects(root: Path, names: Sequence[str]) -> list[tuple[str, bytes] | None]:
    """``(sha, content)`` of each object name (``main``, ``main:path``...), ``None`` for a missing one:
    one ``cat-file --batch`` for all of them."""
    proc = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=root,
        env=_env(),
        input="".join(f"{name}\n" for name in names).encode(),
        capture_output=True,
    )
    if proc.returncode != 0:
        raise GitError(["cat-file", "--batch"], proc.returncode, proc.stderr.decode(errors="replace"))
    data = proc.stdout
    found: list[tuple[str, bytes] | None] = []
    pos = 0
    for _name in names:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] == b"missing":
            found.append(None)
            continue
        size = int(header[2])
        found.append((header[0].decode(), data[pos : pos + size]))
        pos += size + 1
    return found


def write_blob(root: Path, text: str, path: str) -> str:
    """Store ``text`` as the blob git would make of ``path`` (its filters applied); returns the SHA."""
    return run(["hash-object", "-w", "--stdin", "--path", path], root, input=text).stdout.strip()


def read_tree(root: Path, commit: str, index_file: Path) -> None:
    """Load ``commit``'s tree into the private index ``index_file`` (the user's index is never touched)."""
    run(["read-tree", commit], root, env={"GIT_INDEX_FILE": str(index_file)})


def index_tree_with(root: Path, blobs: Mapping[str, str], index_file: Path) -> str:
    """Set each path of ``blobs`` to its blob in the private index ``index_file`` (one call, however many
    paths); returns the tree it now holds."""
    env = {"GIT_INDEX_FILE": str(index_file)}
    lines = "".join(f"100644 {sha}\t{path}\n" for path, sha in blobs.items())
    run(["update-index", "--add", "--index-info"], root, env=env, input=lines)
    return run(["write-tree"], root, env=env).stdout.strip()


# -- a checkout whose ref moved but whose index and files did not ----------------------------------
@dataclass(frozen=True)
class Change:
    path: str
    old: str | None  # "mode sha" at the old commit, None if absent
    new: str | None


def changes(root: Path, old: str, new: str) -> list[Change]:
    output = run(["diff-tree", "-r", "-z", "--no-renames", old, new], root).stdout
    parts = output.split("\0")
    found: list[Change] = []
    for meta, path in zip(parts[0::2], parts[1::2], strict=False):
        fields = meta.lstrip(":").split()
        if len(fields) < 5:
            continue
        old_mode, new_mode, old_sha, new_sha = fields[:4]
        found.append(
            Change(
                path,
                None if set(old_sha) == {"0"} else f"{old_mode} {old_sha}",
                None if set(new_sha) == {"0"} else f"{new_mode} {new_sha}",
            )
        )
    return found


def index_entries(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """``path -> "mode sha"`` in the checkout's index (stage 0) for those of ``paths`` it has."""
    if not paths:
        return {}
    output = run(["ls-files", "-s", "-z", "--", *paths], root).stdout
    found: dict[str, str] = {}
    for entry in output.split("\0"):
        if "\t" in entry:
            meta, path = entry.split("\t", 1)
            mode, sha, stage = meta.split()
            if stage == "0":
                found[path] = f"{mode} {sha}"
    return found


def file_blobs(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """``path -> sha`` of the working-tree files among ``paths`` that exist (as ``git add`` would hash them)."""
    present = [p for p in paths if (root / p).is_file()]
    if not present:
        return {}
    output = run(["hash-object", "--", *present], root).stdout.split()
    return dict(zip(present, output, strict=False))


def set_index(root: Path, entries: dict[str, str | None]) -> None:
    """Set index entries (``"mode sha"``; ``None`` removes the path) in one call."""
    lines = []
    for path, entry in entries.items():
        mode, sha = entry.split() if entry else ("0", "0" * 40)
        lines.append(f"{mode} {sha}\t{path}\n")
    if lines:
        run(["update-index", "--index-info"], root, input="".join(lines))


def checkout_files(root: Path, paths: Sequence[str]) -> None:
    """Write ``paths`` from the index to the working tree (and refresh their stat data)."""
    if paths:
        run(["checkout-index", "-f", "-u", "--", *paths], root)


def refresh(root: Path, paths: Sequence[str]) -> None:
    if paths:
        run(["update-index", "-q", "--refresh", "--", *paths], root, check=False)


# -- lifecycle helpers (merge --list, archive, cleanup) ---------------------------------------------
def list_branches(root: Path, pattern: str) -> list[str]:
    """Local branch names matching ``pattern`` (e.g. ``chant/*``)."""
    output = run(["branch", "--list", pattern, "--format=%(refname:short)"], root).stdout
    return [line.strip() for line in output.splitlines() if line.strip()]


def is_ancestor(root: Path, ancestor: str, descendant: str) -> bool:
    return run(["merge-base", "--is-ancestor", ancestor, descendant], root, check=False).ok


def merge_start(worktree: Path, rev: str, message: str) -> list[str]:
    """Merge ``rev`` into the branch checked out in ``worktree`` without committing; the paths left
    unmerged (with conflict markers) for someone to resolve. An already-merged ``rev`` changes nothing."""
    run(["merge", "--no-ff", "--no-commit", "-m", message, rev], worktree, check=False)
    return unmerged(worktree)


def unmerged(worktree: Path) -> list[str]:
    return sorted(set(run(["diff", "--name-only", "--diff-filter=U"], worktree).stdout.split()))


def merge_in_progress(worktree: Path) -> bool:
    return run(["rev-parse", "-q", "--verify", "MERGE_HEAD"], worktree, check=False).ok


def merge_abort(worktree: Path) -> None:
    run(["merge", "--abort"], worktree, check=False)


def commit_merge(worktree: Path) -> None:
    """Conclude a merge whose paths are all resolved and staged."""
    run(["commit", "--no-edit", "-q"], worktree)


def reset_hard(worktree: Path, rev: str) -> None:
    """Put the worktree's own branch back at ``rev`` (never used on the main branch)."""
    run(["reset", "--hard", "-q", rev], worktree)


def diff_lines(root: Path, old: str, new: str) -> int:
    """Lines added plus removed between two commits (binary files count one each)."""
    total = 0
    for line in run(["diff", "--numstat", "--no-renames", old, new], root).stdout.splitlines():
        added, removed, _path = (line.split("\t", 2) + ["", ""])[:3]
        total += (int(added) if added.isdigit() else 1) + (int(removed) if removed.isdigit() else 0)
    return total


def move(root: Path, src: Path, dst: Path) -> None:
    """``git mv`` (keeps history); the caller checked that ``src`` is tracked."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    run(["mv", "--", str(src), str(dst)], root)


@_one_at_a_time
def worktree_prune(root: Path) -> None:
    run(["worktree", "prune"], root, check=False)


def merged_at(root: Path, commit: str, into: str) -> str | None:
    """The first-parent side of the merge commit that brought ``commit`` into ``into`` (None if none)."""
    output = run(["rev-list", "--parents", "--reverse", "--ancestry-path", f"{commit}..{into}"], root).stdout
    for line in output.splitlines():
        shas = line.split()
        if commit in shas[2:]:
            return shas[1]
    return None


# -- pre-flight probes (chant.validate) ------------------------------------------------------------
_REF_FORBIDDEN = frozenset(" ~^:?*[\\\x7f") | frozenset(chr(c) for c in range(32))


def valid_branch_name(name: str) -> bool:
    """git's rules for a branch name (``git check-ref-format --branch``), without a process per name.

    ``lint`` and ``doctor`` check every spec with this; ``chant work`` asks git itself (:func:`branch_name_ok`)
    for the spec it is about to run, and a test compares the two on generated names. Stricter than git in
    one case: ``@`` alone (which ``--branch`` expands to the current branch) is refused.
    """
    if not name or name.startswith("-") or name in ("HEAD", "@"):
        return False
    if ".." in name or "@{" in name or name.endswith(".") or any(c in _REF_FORBIDDEN for c in name):
        return False
    return all(part and not part.startswith(".") and not part.endswith(".lock") for part in name.split("/"))


def branch_name_ok(root: Path, name: str) -> bool:
    """git's own verdict on ``name`` as a branch name."""
    return run(["check-ref-format", "--branch", name], root, check=False).ok


def identity(root: Path) -> str | None:
    """``Name <email>`` git commits with here (the committer), or ``None`` when it has none."""
    result = run(["var", "GIT_COMMITTER_IDENT"], root, check=False)
    return result.stdout.strip().rsplit(" ", 2)[0] if result.ok and result.stdout.strip() else None


def uncommitted(root: Path, paths: Sequence[str]) -> list[str]:
    """Those of ``paths`` (files or directories) with changes git has not committed, untracked included
    (ignored files are not changes)."""
    output = run(["status", "--porcelain", "-z", "--untracked-files=all", "--", *paths], root).stdout
    return sorted({entry[3:] for entry in output.split("\0") if len(entry) > 3})


def identity_problem(root: Path) -> str | None:
    """``None`` when git can name an author and a committer here, else git's reason (its last line)."""
    for variable in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        result = run(["var", variable], root, check=False)
        if not result.ok:
            lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
            return lines[-1] if lines else f"git var {variable} failed"
    return None
