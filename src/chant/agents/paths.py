"""Confinement of file tools to the worktree, and a glob that never leaves it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from chant.globs import glob_regex

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".mypy_cache"})


class PathRefused(Exception):
    """A tool argument pointing outside the worktree; reported to the model, never raised to chant."""


def confine(root: Path, raw: str, *, for_write: bool = False) -> Path:
    if not isinstance(raw, str) or not raw.strip():
        raise PathRefused("a non-empty path is required")
    if "\x00" in raw:
        raise PathRefused("path contains a NUL byte")
    base = root.resolve()
    candidate = Path(raw)
    if not candidate.is_absolute():
        candidate = base / candidate
    # resolve() follows symlinks, so a link inside the worktree pointing elsewhere is caught too.
    resolved = candidate.resolve()
    if resolved != base and not resolved.is_relative_to(base):
        raise PathRefused(f"path {raw!r} is outside the worktree")
    rel = resolved.relative_to(base)
    if for_write and rel.parts and rel.parts[0] == ".git":
        raise PathRefused("writing inside .git is not allowed")
    return resolved


def walk_files(root: Path, pattern: str) -> Iterator[str]:
    """Worktree-relative POSIX paths of regular files matching ``pattern``; symlinked dirs are not entered."""
    pattern = (pattern or "").strip() or "**/*"
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.startswith("/") or ".." in Path(pattern).parts:
        raise PathRefused(f"pattern {pattern!r} must stay inside the worktree")
    regex = glob_regex(pattern)
    base = root.resolve()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel_dir = Path(dirpath).relative_to(base).as_posix()
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if regex.match(rel):
                yield rel
