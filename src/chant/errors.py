"""Errors that reach the user as one clear line (never a traceback)."""

from __future__ import annotations


class ChantError(Exception):
    """A failure the user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class SpecParseError(ChantError):
    """A spec file that cannot be read: names the file and, for YAML, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.detail = message


class NotFoundError(ChantError):
    pass


class AmbiguousIdError(ChantError):
    SHOWN = 10  # a query like "2026" can match thousands: name the first few and count the rest

    def __init__(self, query: str, candidates: list[str]) -> None:
        listing = ", ".join(candidates[: self.SHOWN])
        if len(candidates) > self.SHOWN:
            listing += f" and {len(candidates) - self.SHOWN} more"
        super().__init__(
            f"Ambiguous spec ID '{query}' matches {len(candidates)} specs: {listing}",
            hint="give more of the ID (any unique suffix or substring works)",
        )
        self.candidates = candidates


class TransitionError(ChantError):
    pass
