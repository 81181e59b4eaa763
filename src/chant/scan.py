"""Listing spec files and their stat stamps (shared by the loader and the CLI's fast path; imports only os)."""

from __future__ import annotations

import os


def scan_md(directory: str, prefix: str = "") -> list[tuple[str, int, int, int]]:
    """``(key, size, mtime_ns, inode)`` of every ``*.md`` under ``directory``, in ``os.scandir`` order.

    ``key`` is the path relative to ``directory`` (``/``-separated); hidden files and directories are
    skipped, symlinked directories are not followed, a symlinked file is listed with its own (lstat) stamp
    so that the loader can refuse it, files that cannot be stat'ed are left out, and the
    files of a directory come before those of its subdirectories.
    """
    found: list[tuple[str, int, int, int]] = []
    subdirs: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return found
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not name.startswith(".") and not entry.is_symlink():
                subdirs.append(name)
            continue
        if name.endswith(".md") and not name.startswith("."):
            try:
                st = entry.stat(follow_symlinks=False)  # a symlinked spec is reported, never read through
            except OSError:
                continue
            found.append((prefix + name, st.st_size, st.st_mtime_ns, st.st_ino))
    for name in subdirs:
        found += scan_md(os.path.join(directory, name), f"{prefix}{name}/")
    return found


# Run locks are `.chant/run/locks/<RUN_LOCK_PREFIX><id>.lock` (chant.layout owns them; here so that the
# fast listing path can probe one without importing anything).
RUN_LOCK_PREFIX = "run-"


def stamp(mtime_ns: int, inode: int) -> int:
    """One int for "this version of the file": chant's writes replace files (new inode), so a same-size
    rewrite within one mtime tick (``completed`` -> ``cancelled``) still changes the stamp."""
    return mtime_ns ^ (inode << 20)
