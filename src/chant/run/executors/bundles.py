"""Shipping a base commit to an agent node as a git bundle that holds only what the node lacks.

A node keeps one bare mirror per coordinator repository between tasks. Before a task fetches its base, it
tells the coordinator which commits its mirror already holds (the newest bases it received and the branches
its agents made); the coordinator answers with a **thin** bundle ``base ^<those it also has>``. The **full**
bundle (the base's whole history) is the answer when the node has nothing, when none of its commits are
known here (history rewritten, another clone), or when the thin bundle does not apply on the node.

No Ray here: the coordinator's side runs inside an actor on the coordinator's machine, the node's side
inside the task, and both are plain functions over git repositories (tests run them without a cluster).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from chant import git

SHIP = "refs/chant/ship/"
# What a node reports holding: enough recent tips to cover the bases of one queue; more only lengthens
# the handshake (git excludes an ancestor's history through its newest descendant anyway).
MAX_HAVES = 16
# Base refs a mirror keeps; older ones are dropped (their objects stay until git gc, and are still
# reachable from agents' branches that built on them).
KEEP_BASES = 32

Kind = Literal["none", "thin", "full"]


@dataclass(frozen=True)
class Shipment:
    kind: Kind
    data: bytes
    excluded: int = 0  # how many of the node's commits the thin bundle is cut at


@dataclass(frozen=True)
class Received:
    kind: Kind  # "none": the mirror had the base already
    size: int  # bytes shipped for this task (both bundles when a thin one was refused)
    fallback: str | None = None  # why a thin bundle was not used on the node


def ship_ref(tip: str) -> str:
    return SHIP + tip


# -- the coordinator's side ----------------------------------------------------------------------------
def make(root: Path, scratch: Path, tip: str, haves: list[str]) -> Shipment:
    """The bundle that brings ``tip`` to a mirror holding ``haves``: thin when it can be, else full.

    Callers serialise calls per repository: the temporary ref that names the bundle's one head is shared.
    """
    known = [sha for sha in git.known_commits(root, haves) if sha != tip]
    path = scratch / f"ship-{uuid.uuid4().hex[:12]}.bundle"
    ref = ship_ref(tip)
    git.set_ref(root, ref, tip)
    try:
        if known and git.bundle_create(root, path, [ref, *(f"^{sha}" for sha in known)]):
            return Shipment("thin", path.read_bytes(), len(known))
        # Nothing known there, or the node already holds all of it (it would not have asked): the whole.
        git.bundle_create(root, path, [ref])
        return Shipment("full", path.read_bytes())
    finally:
        git.delete_ref(root, ref)
        path.unlink(missing_ok=True)


# -- the node's side -----------------------------------------------------------------------------------
def holdings(mirror: Path) -> list[str]:
    """The commits this mirror reports holding: its newest bases and agent branches."""
    return git.newest_refs(mirror, [SHIP, "refs/heads/"], MAX_HAVES)


def receive(mirror: Path, tip: str, ask: Callable[[list[str]], Shipment], scratch: Path) -> Received:
    """Make ``tip`` present in ``mirror`` (under :func:`ship_ref`), asking the coordinator only for what it
    lacks. ``ask(haves)`` returns the coordinator's bundle for a mirror holding ``haves``."""
    if git.has_commit(mirror, tip):
        git.set_ref(mirror, ship_ref(tip), tip)
        return Received("none", 0)
    shipment = ask(holdings(mirror))
    size = len(shipment.data)
    fallback = None
    try:
        _apply(mirror, scratch, shipment.data, tip)
    except git.GitError as exc:
        if shipment.kind != "thin":
            raise
        # A prerequisite the mirror reported is gone or broken here: start again from the whole history.
        fallback = (exc.stderr.strip().splitlines() or ["git fetch failed"])[-1][:200]
        shipment = ask([])
        size += len(shipment.data)
        _apply(mirror, scratch, shipment.data, tip)
    _prune(mirror, tip)
    return Received(shipment.kind, size, fallback)


def _apply(mirror: Path, scratch: Path, data: bytes, tip: str) -> None:
    path = scratch / f"in-{uuid.uuid4().hex[:12]}.bundle"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        git.bundle_fetch(mirror, path, f"+{ship_ref(tip)}:{ship_ref(tip)}")
    finally:
        path.unlink(missing_ok=True)


def _prune(mirror: Path, keep: str) -> None:
    refs = git.refs_matching(mirror, SHIP)
    if len(refs) <= KEEP_BASES:
        return
    newest = set(git.newest_refs(mirror, [SHIP], KEEP_BASES)) | {keep}
    git.delete_refs(mirror, [ref for ref in refs if ref.removeprefix(SHIP) not in newest])
