"""Sparse checkouts: a spec that declares ``sparse: [dir/, ...]`` gets a worktree holding only those
directories (git's cone mode), so a run in a huge repository writes and scans only the part it works on.

Pure functions over spec values; the git side is ``chant.git.sparse_*`` and the pool (run/worktrees.py).

Cone mode, as git defines it: every file at the top level, every file directly inside an ancestor of a
listed directory, and everything beneath a listed directory. chant always adds ``.chant`` (the agent reads
its spec there, and the prompt points at it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

ALWAYS = (".chant",)
_MAGIC = set("*?[]!\\")
# `sparse: true` reads as the text "true" (text fields keep their source): a switch, not a directory.
_SWITCHES = frozenset(("true", "false", "yes", "no", "on", "off"))


def problem(item: object) -> str | None:
    """Why ``item`` is not a directory a sparse checkout can list (``None``: it is one)."""
    if not isinstance(item, str):
        return f"expected a directory path, got {item!r:.40}"
    text = item.strip()
    if not text:
        return "an empty entry (list directories such as src/reporting/)"
    if text.startswith(("/", "\\")) or (len(text) > 2 and text[0].isalpha() and text[1:3] in (":/", ":\\")):
        return f"'{text}' is absolute; list directories relative to the repository root"
    if text.lower() in _SWITCHES:
        return f"'{text}' reads as a switch; sparse: lists directories (e.g. [src/reporting/])"
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        return f"'{text}' leaves the repository ('..')"
    if not parts:
        return f"'{text}' is the whole repository; leave sparse: out for a full checkout"
    if _MAGIC & set(text):
        return f"'{text}' is a pattern; sparse: takes directories (cone mode), not globs"
    if parts[0] == ".git":
        return f"'{text}' is git's own directory"
    return None


def normalise(item: str) -> str:
    """``./src/reporting/`` -> ``src/reporting``."""
    return "/".join(p for p in item.strip().replace("\\", "/").split("/") if p not in ("", "."))


def cone(values: Iterable[object]) -> list[str] | None:
    """The directories of a spec's ``sparse:`` list, normalised, with chant's own added; ``None`` for no
    sparse checkout (nothing usable listed: lint reports the bad entries)."""
    dirs = [normalise(v) for v in values if isinstance(v, str) and problem(v) is None]
    if not dirs:
        return None
    return sorted(set(dirs) | set(ALWAYS))


def contains(dirs: Sequence[str], path: str) -> bool:
    """Is the repository path ``path`` (a file, or a glob: its literal part is judged) checked out in the
    cone of ``dirs``?"""
    parts = normalise(path).split("/")
    magic = next((i for i, part in enumerate(parts) if _MAGIC & set(part)), None)
    if magic is not None and magic < len(parts) - 1:
        # A glob spanning directories: its matches lie under its literal part, inside only if that is.
        return any(_under("/".join(parts[:magic]), d) for d in dirs)
    parent = "/".join(parts[:-1])  # a file, or a glob over one directory's files
    if parent == "":
        return True  # top-level files are always in the cone
    return any(_under(parent, d) or _under(d, parent) for d in dirs)


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory + "/")


def outside(dirs: Sequence[str], paths: Iterable[str]) -> list[str]:
    """The ``paths`` that a checkout of ``dirs`` does not hold."""
    return [p for p in paths if not contains(dirs, p)]
