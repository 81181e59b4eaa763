"""The merge gate: the user's test commands, run on the *merged* tree before the main branch moves.

``merge.gate:`` in config (a command or a list) is the project's own choice to run commands; a spec's own
``gate:`` list runs only with the same opt-in as ``chant verify`` (``verify.run_commands: true``): spec text
is data anyone can write. The gate runs in a scratch worktree checked out at a (dangling) merge commit of
main and the spec's branch, so the tree tested is the tree that lands: "main only moves to a tree that has
passed the gate".
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chant import git
from chant.agents import process
from chant.project import Project
from chant.run import crashpoints
from chant.spec.model import Spec

DEFAULT_TIMEOUT = 1800.0
TAIL_LINES = 30
BOOKKEEPING_DIR = ".chant/"  # spec status commits land here while a gate runs; they change no code


@dataclass
class GateRun:
    ok: bool
    seconds: float
    tree: str  # the merged tree that was tested
    command: str | None = None  # the command that failed
    exit_code: int | None = None
    tail: str = ""  # the last lines of its output

    def reason(self) -> str:
        status = "timed out" if self.exit_code is None else f"exited {self.exit_code}"
        head = f"merge gate failed on the merged tree: `{self.command}` {status}"
        return f"{head}; output (tail):\n{self.tail}" if self.tail else head


def commands(project: Project, spec: Spec) -> list[str]:
    """The gate of ``spec``: config ``merge.gate`` then, with ``verify.run_commands: true``, its ``gate:``."""
    found = _as_list(project.config.get("merge.gate"))
    if project.config.get("verify.run_commands") is True:
        found += _as_list(spec.get("gate"))
    return found


def skipped_spec_gate(project: Project, spec: Spec) -> bool:
    """The spec asks for gate commands that are not run (no opt-in): worth a line in its log."""
    return bool(_as_list(spec.get("gate"))) and project.config.get("verify.run_commands") is not True


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return []


def timeout(project: Project) -> float:
    value = project.config.get("merge.gate_timeout")
    return float(value) if isinstance(value, int | float) and value > 0 else DEFAULT_TIMEOUT


def scratch_path(project: Project, spec_id: str) -> Path:
    return project.run_dir / "gates" / f"{project.name}-{spec_id}"


def same_code(root: Path, tested: str, landing: str) -> bool:
    """The tree about to land differs from the tested one only in chant's bookkeeping (spec files that
    other specs' status commits changed while the gate ran)."""
    if tested == landing:
        return True
    return all(c.path.startswith(BOOKKEEPING_DIR) for c in git.changes(root, tested, landing))


def run(
    project: Project,
    spec_id: str,
    commit: str,
    tree: str,
    cmds: list[str],
    *,
    cancel: Any,
    log: Callable[[str], None],
    slot: str | None = None,
    keep: bool = False,
) -> GateRun:
    """Check ``commit`` out in a scratch worktree and run ``cmds`` there, in order, until one fails.
    ``slot`` names the scratch worktree when several runs of one spec gate at once (best of N)."""
    started = time.monotonic()
    path = project.run_dir / "gates" / slot if slot else scratch_path(project, spec_id)
    root = project.root
    reused = False
    if (path / ".git").exists():
        # The spec's scratch worktree from its previous gate (the early one, a re-gate): reuse it.
        try:
            git.checkout_detached(path, commit)
            reused = True
        except git.GitError:
            git.worktree_remove(root, path)
    elif path.exists():
        git.worktree_remove(root, path)
    if not reused:
        _add_scratch(root, path, commit)
    crashpoints.point("gate")
    env = git.clean_env()
    env.update({"CHANT_GATE": "1", "CHANT_SPEC_ID": spec_id, "CHANT_PROJECT_ROOT": str(root)})
    limit = timeout(project)
    ok = False
    try:
        for cmd in cmds:
            tail: deque[str] = deque(maxlen=TAIL_LINES)

            def line(text: str, tail: deque[str] = tail) -> None:
                tail.append(text)
                log(f"[gate] {text}")

            log(f"[gate] $ {cmd}")
            outcome = process.run_process(
                ["/bin/sh", "-c", cmd],
                cwd=path,
                env=env,
                stdin_text=None,
                timeout=limit,
                cancel=cancel,
                on_stdout_line=line,
                on_stderr_line=line,
            )
            if outcome.exit_code != 0:
                code = None if outcome.timed_out else outcome.exit_code
                return GateRun(False, time.monotonic() - started, tree, cmd, code, "\n".join(tail))
        ok = True
    finally:
        if not (ok and keep):  # a failed gate's tree is gone at once; a passed one may be reused
            git.worktree_remove(root, path)
    return GateRun(True, time.monotonic() - started, tree)


# git worktree add reads every other worktree's metadata; one being created at that moment (another spec's
# prepare) can make it fail with "failed to read .git/worktrees/<x>/commondir" (seen with 8 specs at once).
_TRANSIENT = ("failed to read", "commondir", "gitdir")
_ADD_TRIES = 5


def _add_scratch(root: Path, path: Path, commit: str) -> None:
    for attempt in range(_ADD_TRIES):
        try:
            git.worktree_add_detached(root, path, commit)
            return
        except git.GitError as exc:
            if attempt == _ADD_TRIES - 1 or not any(t in exc.stderr for t in _TRANSIENT):
                raise
            if path.exists():
                git.worktree_remove(root, path)
            time.sleep(0.05 * (attempt + 1))


def remove(project: Project, slot: str) -> None:
    """The end of a spec's run: its scratch worktree goes."""
    path = project.run_dir / "gates" / slot
    if path.exists():
        git.worktree_remove(project.root, path)


def sweep(project: Project, running: Callable[[str], bool]) -> None:
    """Remove scratch worktrees a chant that died mid-gate left (never one whose spec is being run)."""
    directory = project.run_dir / "gates"
    if not directory.is_dir():
        return
    prefix = f"{project.name}-"
    for path in directory.iterdir():
        spec_id = path.name[len(prefix) :] if path.name.startswith(prefix) else path.name
        spec_id = re.sub(r"--try\d+$", "", spec_id)  # a best-of candidate's gate
        if not running(spec_id):
            git.worktree_remove(project.root, path)
