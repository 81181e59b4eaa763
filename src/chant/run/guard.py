"""Agents are checked, not trusted: what an agent did outside its own branch is found and reported.

- **Refs.** The agent's environment carries ``GIT_REFLOG_ACTION=chant-agent <id>``, so every porcelain ref
  update it makes (commit, merge, reset, checkout, rebase...) is logged in git's reflogs under that tag.
  ``RefWatch`` notes where each reflog ended before the agent started and reads only what was appended
  after: an entry with the tag on any ref but the spec's own branch (main, another spec's branch, a new
  branch, the main checkout's HEAD) is reported. Plumbing (``update-ref`` without ``-m``) leaves no tag; a
  repository with reflogs turned off (``core.logAllRefUpdates=false``) or the reftable backend gives this
  check nothing to read.
- **The shared git dir.** ``.git/config`` (``core.hooksPath``, aliases, filters...) and ``.git/hooks/`` are
  shared by the user's checkout and every worktree: what an agent writes there runs in the user's next
  ``git commit``. ``GitGuard`` snapshots them before the first agent starts and, after each agent, restores
  them if they changed (the changed versions are kept under ``.chant/run/rejected/`` for inspection). A
  change the user made meanwhile is undone too, and named the same way. One change is git's own and
  allowed: ``extensions.worktreeConfig = true``, which ``git sparse-checkout`` adds the first time a
  worktree is made sparse (chant does that for specs with ``sparse:``; it makes git read per-worktree
  ``config.worktree`` files and changes nothing else for the user's checkout).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

REFLOG_TAG = "chant-agent"
_WORKTREE_CONFIG = b"worktreeconfig"


def reflog_action(spec_id: str) -> str:
    return f"{REFLOG_TAG} {spec_id}"


@dataclass
class RefWatch:
    """Where every reflog of the repository ended when an agent started."""

    logs: Path  # <common git dir>/logs
    offsets: dict[Path, int] = field(default_factory=dict)

    @classmethod
    def start(cls, common: Path) -> RefWatch:
        watch = cls(common / "logs")
        for path in watch._files():
            try:
                watch.offsets[path] = path.stat().st_size
            except OSError:
                continue
        return watch

    def _files(self) -> list[Path]:
        found = [self.logs / "HEAD"] if (self.logs / "HEAD").is_file() else []
        heads = self.logs / "refs" / "heads"
        if heads.is_dir():
            found += [p for p in heads.rglob("*") if p.is_file()]
        return found

    def foreign_updates(self, spec_id: str, own_branch: str) -> list[str]:
        """``ref: message`` of each update tagged with ``spec_id``'s agent on a ref that is not its branch."""
        tag = reflog_action(spec_id) + ":"
        own = self.logs / "refs" / "heads" / own_branch
        found: list[str] = []
        for path in self._files():
            if path == own:
                continue
            try:
                with path.open("rb") as fh:
                    fh.seek(self.offsets.get(path, 0))
                    appended = fh.read()
            except OSError:
                continue
            for raw in appended.decode("utf-8", errors="replace").splitlines():
                _, _, message = raw.partition("\t")
                if message.startswith(tag):
                    ref = "HEAD" if path.name == "HEAD" and path.parent == self.logs else self._ref(path)
                    found.append(f"{ref} ({message[len(tag) :].strip() or 'update'})")
        # A commit in the main checkout is logged for its branch and again for HEAD: name it once.
        branches = {entry.split(" ", 1)[1] for entry in found if not entry.startswith("HEAD ")}
        return [e for e in found if not (e.startswith("HEAD ") and e.split(" ", 1)[1] in branches)]

    def _ref(self, path: Path) -> str:
        return "refs/" + path.relative_to(self.logs / "refs").as_posix()


@dataclass(frozen=True)
class _Entry:
    data: bytes
    mode: int


class GitGuard:
    """A snapshot of ``.git/config`` and ``.git/hooks/`` to compare with, and restore, after each agent."""

    def __init__(self, common: Path, rejected: Path) -> None:
        self.common = common
        self.rejected = rejected
        self._lock = threading.Lock()
        self._snapshot = self._read()

    def _watched(self) -> list[Path]:
        files = [self.common / "config", self.common / "config.worktree"]
        hooks = self.common / "hooks"
        if hooks.is_dir():
            files += sorted(p for p in hooks.iterdir() if p.is_file() or p.is_symlink())
        return files

    def _read(self) -> dict[Path, _Entry]:
        found: dict[Path, _Entry] = {}
        for path in self._watched():
            try:
                info = path.lstat()
                data = os.readlink(path).encode() if stat.S_ISLNK(info.st_mode) else path.read_bytes()
            except OSError:
                continue
            found[path] = _Entry(data, info.st_mode)
        return found

    def check_and_restore(self, spec_id: str) -> list[str]:
        """What changed since the snapshot (``.git/config``, ``.git/hooks/pre-commit`` added...), restored."""
        with self._lock:
            now = self._read()
            self._allow_worktree_config(now)
            changed = sorted(set(now) | set(self._snapshot), key=str)
            changed = [p for p in changed if now.get(p) != self._snapshot.get(p)]
            notes = []
            for path in changed:
                rel = (
                    path.relative_to(self.common.parent) if path.is_relative_to(self.common.parent) else path
                )
                before, after = self._snapshot.get(path), now.get(path)
                if after is not None:
                    self._keep_rejected(spec_id, path, after)
                if before is None:
                    path.unlink(missing_ok=True)
                    notes.append(f"{rel} was added (removed again)")
                else:
                    self._write(path, before)
                    notes.append(f"{rel} was {'deleted' if after is None else 'changed'} (restored)")
            return notes

    def _allow_worktree_config(self, now: dict[Path, _Entry]) -> None:
        """Take git's own ``extensions.worktreeConfig = true`` into the snapshot of ``.git/config``: the
        config is then compared (and, if an agent changed more, restored) with that setting kept."""
        path = self.common / "config"
        before, after = self._snapshot.get(path), now.get(path)
        if before is None or after is None or before == after:
            return
        if _WORKTREE_CONFIG in before.data.lower() or _WORKTREE_CONFIG not in after.data.lower():
            return
        from chant import git

        with tempfile.TemporaryDirectory(prefix="chant-guard-") as scratch:
            copy = Path(scratch) / "config"
            copy.write_bytes(before.data)
            try:
                git.config_file_set(copy, "extensions.worktreeConfig", "true")
            except git.GitError:
                return
            self._snapshot[path] = _Entry(copy.read_bytes(), before.mode)

    def _keep_rejected(self, spec_id: str, path: Path, entry: _Entry) -> None:
        target = self.rejected / spec_id / path.relative_to(self.common)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.data)

    @staticmethod
    def _write(path: Path, entry: _Entry) -> None:
        if path.is_symlink() or path.is_dir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        if stat.S_ISLNK(entry.mode):
            path.symlink_to(entry.data.decode())
            return
        tmp = path.with_name(path.name + ".chant-restore")
        tmp.write_bytes(entry.data)
        os.chmod(tmp, stat.S_IMODE(entry.mode))
        os.replace(tmp, path)
