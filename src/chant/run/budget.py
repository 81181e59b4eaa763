"""Budgets: caps on cost, tokens and wall time per spec, per driver and per ``work`` invocation.

Pure arithmetic (parsing, tightening, "which cap did this spend cross") plus one small thread-safe ledger
the pipeline adds each attempt's spend to. Where a provider streams usage the pipeline asks
:meth:`Ledger.crossed` on every update and stops the agent at once; otherwise after each attempt.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

RUN = "run"  # the scope key of the whole invocation
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")
_TOKENS = re.compile(r"^(\d+(?:\.\d+)?)\s*([km]?)$", re.I)


class BudgetError(ValueError):
    pass


def parse_seconds(value: Any) -> float:
    """``90``, ``"90s"``, ``"30m"``, ``"1h30m"`` -> seconds."""
    if isinstance(value, bool):
        raise BudgetError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value <= 0:
            raise BudgetError(f"a duration must be > 0 (got {value})")
        return float(value)
    text = str(value).strip().lower().replace(" ", "")
    pos, total = 0, 0.0
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match or match.end() == pos:
            raise BudgetError(f"not a duration: {value!r} (e.g. 90s, 30m, 2h)")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if total <= 0:
        raise BudgetError(f"not a duration: {value!r} (e.g. 90s, 30m, 2h)")
    return total


def _tokens(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _TOKENS.match(str(value).strip())
    if not match:
        raise BudgetError(f"not a token count: {value!r} (e.g. 200000, 200k, 1.5m)")
    scale = {"": 1, "k": 1000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def _cost(value: Any) -> float:
    try:
        cost = float(str(value).strip().lstrip("$"))
    except ValueError:
        raise BudgetError(f"not a cost in USD: {value!r} (e.g. 2.50)") from None
    if cost < 0:
        raise BudgetError(f"a cost cap must be >= 0 (got {value!r})")
    return cost


@dataclass(frozen=True)
class Budget:
    cost_usd: float | None = None
    tokens: int | None = None
    seconds: float | None = None

    @property
    def empty(self) -> bool:
        return self.cost_usd is None and self.tokens is None and self.seconds is None

    @classmethod
    def from_mapping(cls, data: Any, where: str = "budget") -> Budget:
        """``{cost_usd: 2, tokens: 200k, time: 30m}`` (a spec's or config's ``budget:``)."""
        if data in (None, ""):
            return cls()
        if not isinstance(data, Mapping):
            raise BudgetError(f"{where} must be a mapping: cost_usd, tokens, time")
        unknown = sorted(set(map(str, data)) - {"cost_usd", "cost", "tokens", "time", "seconds"})
        if unknown:
            raise BudgetError(f"{where}: unknown key(s) {', '.join(unknown)} (known: cost_usd, tokens, time)")
        cost = data.get("cost_usd", data.get("cost"))
        tokens = data.get("tokens")
        seconds = data.get("time", data.get("seconds"))
        return cls(
            None if cost is None else _cost(cost),
            None if tokens is None else _tokens(tokens),
            None if seconds is None else parse_seconds(seconds),
        )

    @classmethod
    def parse(cls, text: str) -> Budget:
        """``--budget``: ``cost=2.5,tokens=200k,time=30m`` (a bare ``$2`` is a cost)."""
        data: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            if not sep:
                if key.startswith("$"):
                    key, value = "cost_usd", key
                else:
                    raise BudgetError(f"--budget: {part!r} is not key=value (cost=2.5,tokens=200k,time=30m)")
            data[key.strip()] = value.strip()
        return cls.from_mapping(data, "--budget")

    def tighter(self, other: Budget) -> Budget:
        def low(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else min(a, b)

        return Budget(
            low(self.cost_usd, other.cost_usd),
            low(self.tokens, other.tokens),
            low(self.seconds, other.seconds),
        )

    def render(self) -> str:
        parts = []
        if self.cost_usd is not None:
            parts.append(f"${self.cost_usd:g}")
        if self.tokens is not None:
            parts.append(f"{self.tokens} tokens")
        if self.seconds is not None:
            parts.append(f"{self.seconds:g}s")
        return ", ".join(parts) or "no cap"


@dataclass(frozen=True)
class Spend:
    cost_usd: float = 0.0
    tokens: int = 0
    seconds: float = 0.0

    def __add__(self, other: Spend) -> Spend:
        return Spend(self.cost_usd + other.cost_usd, self.tokens + other.tokens, self.seconds + other.seconds)


def crossed(budget: Budget, spend: Spend, scope: str) -> str | None:
    """Why ``spend`` is over ``budget`` (the first cap crossed), or None. Caps are inclusive: spending
    exactly the cap is allowed, one token more is not."""
    if budget.tokens is not None and spend.tokens > budget.tokens:
        return f"budget: {spend.tokens} tokens crossed the {scope} cap of {budget.tokens}"
    if budget.cost_usd is not None and spend.cost_usd > budget.cost_usd:
        return f"budget: ${spend.cost_usd:.4f} crossed the {scope} cap of ${budget.cost_usd:g}"
    if budget.seconds is not None and spend.seconds > budget.seconds:
        return f"budget: {spend.seconds:.0f}s crossed the {scope} time cap of {budget.seconds:g}s"
    return None


@dataclass(frozen=True)
class Scope:
    key: str  # "spec:<id>", "driver:<id>", "run"
    label: str  # "spec", "driver 2026-...", "run"
    budget: Budget


class Ledger:
    """What this run spent, per scope key (thread-safe; agents of one run report concurrently)."""

    def __init__(self, started: float | None = None) -> None:
        self._lock = threading.Lock()
        self._spent: dict[str, Spend] = {}
        self.started = time.monotonic() if started is None else started

    def add(self, scopes: Sequence[Scope], spend: Spend) -> None:
        with self._lock:
            for scope in scopes:
                self._spent[scope.key] = self._spent.get(scope.key, Spend()) + spend

    def spent(self, key: str) -> Spend:
        """Summed over attempts; the run's time is the wall time since it started (agents overlap)."""
        with self._lock:
            found = self._spent.get(key, Spend())
        return replace(found, seconds=time.monotonic() - self.started) if key == RUN else found

    def crossed(self, scopes: Sequence[Scope], pending: Spend = Spend()) -> str | None:
        """The first cap that what was spent (plus ``pending``: a running attempt's) crosses."""
        for scope in scopes:
            if scope.budget.empty:
                continue
            spent = self.spent(scope.key)
            extra = replace(pending, seconds=0.0) if scope.key == RUN else pending
            reason = crossed(scope.budget, spent + extra, scope.label)
            if reason:
                return reason
        return None

    def time_left(self, scopes: Sequence[Scope]) -> float | None:
        """Seconds of agent time the tightest time cap still allows (None: no time cap)."""
        left = [
            scope.budget.seconds - self.spent(scope.key).seconds
            for scope in scopes
            if scope.budget.seconds is not None
        ]
        return max(0.0, min(left)) if left else None
