"""Statuses and the one table of allowed transitions.

``ready`` and ``blocked`` are computed from the graph and never written; files written by other tools
that contain them are read as ``pending`` (lint warns).
"""

from __future__ import annotations

from enum import StrEnum

from chant.errors import TransitionError


class Status(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value


STORED_STATUSES = tuple(s.value for s in Status)
COMPUTED_STATUSES = ("ready", "blocked")
_ALIASES = {"inprogress": "in_progress", "needsattention": "needs_attention", "in-progress": "in_progress"}

P, IP, PA, C, F, NA, X = (
    Status.PENDING,
    Status.IN_PROGRESS,
    Status.PAUSED,
    Status.COMPLETED,
    Status.FAILED,
    Status.NEEDS_ATTENTION,
    Status.CANCELLED,
)

# from -> allowed targets. Reset (-> pending) is possible from every state, including completed and
# in_progress (the latter only when no live run holds the spec; callers check the lock).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    P: frozenset({IP, X}),
    IP: frozenset({C, F, NA, PA, P, X}),
    PA: frozenset({IP, P, X, F}),
    F: frozenset({IP, P, X}),
    NA: frozenset({IP, P, C, F, X}),
    C: frozenset({P, IP, NA, X}),
    X: frozenset({P}),
}


_PARSED: dict[object, Status] = {}


def parse_status(value: object) -> Status:
    """The stored status a raw ``status:`` value means (memoised: a listing asks ~10 times per spec)."""
    try:
        return _PARSED[value]
    except (KeyError, TypeError):
        pass
    status = _parse_status(value)
    try:
        _PARSED[value] = status
    except TypeError:  # unhashable (a list or mapping): not remembered
        pass
    return status


def _parse_status(value: object) -> Status:
    if value in (None, ""):
        return Status.PENDING
    text = _ALIASES.get(str(value).strip().lower(), str(value).strip().lower())
    if text in COMPUTED_STATUSES:
        return Status.PENDING
    try:
        return Status(text)
    except ValueError:
        return Status.PENDING


_UNKNOWN: dict[object, bool] = {}


def is_unknown_status(value: object) -> bool:
    """A ``status:`` that means nothing (a typo such as ``complete``): it is read as pending, but such a
    spec is not ready -- running it could redo work its author believes done (memoised, like parse_status)."""
    try:
        return _UNKNOWN[value]
    except (KeyError, TypeError):
        pass
    unknown = not is_known_status(value) and str(value).strip().lower() not in COMPUTED_STATUSES
    try:
        _UNKNOWN[value] = unknown
    except TypeError:
        pass
    return unknown


def is_known_status(value: object) -> bool:
    if value in (None, ""):
        return True
    text = _ALIASES.get(str(value).strip().lower(), str(value).strip().lower())
    return text in STORED_STATUSES


def can_transition(current: Status, target: Status) -> bool:
    return current == target or target in TRANSITIONS[current]


def check_transition(spec_id: str, current: Status, target: Status) -> None:
    if not can_transition(current, target):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
        raise TransitionError(
            f"{spec_id}: cannot change status from {current.value} to {target.value} "
            f"(allowed from {current.value}: {allowed})"
        )
