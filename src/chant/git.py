"""The only module that runs git. Every call is explicit about its working directory."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chant import clock
from chant.errors import ChantError

# Trailer that marks chant's own bookkeeping commits, so they are never mistaken for an agent's work.
BOOKKEEPING_TRAILER = "Chant-Bookkeeping: true"


class GitError(ChantError):
    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {returncode}"
        super().__init__(f"git {' '.join(args[:3])} failed: {detail}")
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
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
    existing = [p for p in rels if (root / p).exists()]
    if existing:
        run(["add", "--", *existing], root)
    staged = run(["diff", "--cached", "--quiet", "--", *rels], root, check=False)
    if staged.ok and not allow_empty:
        return None
    full = f"{message}\n\n{BOOKKEEPING_TRAILER}" if bookkeeping else message
    run(["commit", "--quiet", "--no-verify", "-m", full, "--only", "--", *rels], root)
    return head(root)
