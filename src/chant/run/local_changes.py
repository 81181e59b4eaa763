"""The user's uncommitted changes that stop chant from bringing a merged branch into their checkout.

Such a merge is not a conflict: the branch merges cleanly, git only refuses to overwrite the user's own
edits. The fix is to commit or stash them (then ``chant finalize``), not to resolve anything.
"""

from __future__ import annotations

from pathlib import Path

from chant import git


def overwritten_by_merge(stderr: str) -> list[str]:
    """The files git lists when it refuses to update a checkout ("... would be overwritten by merge:")."""
    files: list[str] = []
    listing = False
    for line in stderr.splitlines():
        if "would be overwritten by" in line:
            listing = True
        elif listing and line[:1] in ("\t", " ") and line.strip():
            files.append(line.strip())
        else:
            listing = False
    return files


def blocking_changes(root: Path, main: str, branch: str) -> list[str]:
    """Files ``branch`` changes since it left ``main`` in which the checkout has uncommitted changes (or an
    untracked file of the same name): what a fast-forward of the checkout would refuse to overwrite."""
    base = git.merge_base(root, main, branch)
    if base is None:
        return []
    changed = {p for p in git.run(["diff", "--name-only", "-z", base, branch], root).stdout.split("\0") if p}
    if not changed:
        return []
    entries = git.run(["status", "--porcelain", "-z", "--untracked-files=all"], root).stdout.split("\0")
    dirty: set[str] = set()
    skip = False
    for entry in entries:
        if skip or len(entry) < 4:
            skip = False
            continue
        dirty.add(entry[3:])
        skip = entry[0] in "RC"  # a rename or copy is followed by its old path
    return sorted(changed & dirty)
