"""run/executors/bundles: what a node receives for a base commit (real git repositories, no Ray).

The coordinator's repository has a long history (a large incompressible file committed once); a node's
mirror that already holds an older base must receive only the commits after it, and end with the very
same commit (same id, same tree) as with the full bundle.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chant import git
from chant.run.executors import bundles

pytestmark = pytest.mark.usefixtures("hermetic_env")


def commit(root: Path, name: str, data: bytes) -> str:
    (root / name).write_bytes(data)
    git.run(["add", name], root)
    git.run(["commit", "-q", "-m", f"add {name}"], root)
    sha = git.head(root)
    assert sha is not None
    return sha


@pytest.fixture
def history(git_repo: Path) -> tuple[Path, list[str]]:
    """The repository and three successive tips: the big history first, then two small commits."""
    tips = [commit(git_repo, "big.bin", os.urandom(400_000))]
    tips.append(commit(git_repo, "a.txt", b"a\n"))
    tips.append(commit(git_repo, "b.txt", b"b\n"))
    return git_repo, tips


def node(tmp_path: Path) -> tuple[Path, Path]:
    mirror = tmp_path / "node" / "mirror.git"
    git.init_bare(mirror)
    return mirror, tmp_path / "node"


def test_a_node_with_an_older_base_receives_only_what_it_lacks(
    history: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, tips = history
    mirror, scratch = node(tmp_path)
    asked: list[list[str]] = []

    def ask(haves: list[str]) -> bundles.Shipment:
        asked.append(haves)
        return bundles.make(root, tmp_path / "coord", tips[-1] if len(asked) > 1 else tips[0], haves)

    first = bundles.receive(mirror, tips[0], ask, scratch)
    assert (first.kind, first.fallback) == ("full", None)
    assert first.size > 400_000, "the whole history came"
    second = bundles.receive(mirror, tips[-1], ask, scratch)
    assert second.kind == "thin"
    assert second.size < first.size / 50, (second.size, first.size)
    assert asked == [[], [tips[0]]], "the node reported the base it held"
    assert git.head(mirror, bundles.ship_ref(tips[-1])) == tips[-1]
    assert git.out(["rev-parse", f"{tips[-1]}^{{tree}}"], mirror) == git.out(
        ["rev-parse", f"{tips[-1]}^{{tree}}"], root
    )
    assert git.run(["fsck", "--no-dangling"], mirror).ok, "every object of the new base is there"
    again = bundles.receive(mirror, tips[1], ask, scratch)
    assert (again.kind, again.size) == ("none", 0), "an ancestor of what it holds is not shipped at all"
    assert len(asked) == 2
    assert list(scratch.glob("*.bundle")) == [] and list((tmp_path / "coord").glob("*")) == []
    assert git.refs_matching(root, bundles.SHIP) == [], "the coordinator's temporary ref is gone"


def test_commits_unknown_to_the_coordinator_get_the_full_bundle(
    history: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, tips = history
    other = tmp_path / "other"
    other.mkdir()
    git.run(["init", "-q", "-b", "main"], other)
    stranger = commit(other, "x.txt", b"elsewhere\n")
    made = bundles.make(root, tmp_path / "coord", tips[-1], [stranger])
    assert made.kind == "full"
    assert len(made.data) > 400_000


def test_a_thin_bundle_that_does_not_apply_falls_back_to_the_full_one(
    history: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, tips = history
    mirror, scratch = node(tmp_path)
    bundles.receive(
        mirror, tips[0], lambda haves: bundles.make(root, tmp_path / "c", tips[0], haves), scratch
    )

    # A coordinator that answers as if the node held tips[1] (it holds tips[0] only): its prerequisite is
    # missing on the node, which must ask again for the whole history.
    def ask(haves: list[str]) -> bundles.Shipment:
        return bundles.make(root, tmp_path / "c", tips[2], [*haves, tips[1]] if haves else [])

    got = bundles.receive(mirror, tips[2], ask, scratch)
    assert got.kind == "full"
    assert got.fallback is not None
    assert got.size > 400_000
    assert git.head(mirror, bundles.ship_ref(tips[2])) == tips[2]
