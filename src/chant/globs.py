"""Glob expansion with chant's semantics (``**`` matches zero or more directories), relative to a root."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

_MAGIC = set("*?[")


@lru_cache(maxsize=128)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob where ``**`` spans directories and ``*``/``?`` stay within one path segment."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def directory_glob(pattern: str, is_dir: Callable[[str], bool]) -> str:
    """A directory means everything beneath it: ``docs/guides/`` (or ``docs/guides`` when ``is_dir`` says
    it is one) becomes ``docs/guides/**``. Other patterns are returned stripped, unchanged."""
    pattern = pattern.strip()
    if pattern.endswith("/"):
        return pattern + "**"
    if pattern and not _MAGIC & set(pattern) and is_dir(pattern):
        return pattern + "/**"
    return pattern


def expand(root: Path, patterns: Iterable[str]) -> list[str]:
    """Existing regular files matched by ``patterns``, as sorted root-relative POSIX paths."""
    found: set[str] = set()
    for pattern in patterns:
        pattern = directory_glob(pattern, lambda p: safe_is_dir(root / p))
        if not pattern:
            continue
        if not _MAGIC & set(pattern):
            if _is_file(root / pattern):
                found.add(Path(pattern).as_posix())
            continue
        for match in _glob(root, pattern):
            if os.path.isfile(root / match) and "/.git/" not in f"/{match}":
                found.add(Path(match).as_posix())
    return sorted(found)


# A pattern from a spec is untrusted text: one that cannot be a path (10,000 characters, a NUL, a directory
# we may not enter) matches nothing rather than raising (`chant show` died with "File name too long").
def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def safe_is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _glob(root: Path, pattern: str) -> list[str]:
    try:
        return glob.glob(pattern, root_dir=root, recursive=True, include_hidden=True)
    except (OSError, ValueError):
        return []
