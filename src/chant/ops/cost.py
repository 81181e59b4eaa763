"""``chant cost``: what the agents cost, by spec, driver, agent, model and day.

Read from what the runs recorded in the specs: each entry of ``attempts:`` (losing attempts included), or
for a spec without attempts its ``cost_usd``/``tokens``. Archived specs count too (their spend happened).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chant import clock
from chant.errors import ChantError
from chant.project import Project
from chant.spec.model import Spec

DIMENSIONS = ("spec", "driver", "agent", "model", "day")


@dataclass(frozen=True)
class Row:
    spec: str
    driver: str
    agent: str
    model: str
    day: str
    cost_usd: float
    tokens_in: int
    tokens_out: int


def parse_since(text: str, today: date) -> date:
    """``2026-02-01`` or a span back from today: ``7d``, ``2w``, ``12h`` (rounded to days)."""
    value = text.strip().lower()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    units = {"d": 1, "w": 7}
    if value[:-1].isdigit() and value[-1] in units:
        return today - timedelta(days=int(value[:-1]) * units[value[-1]])
    if value.isdigit():
        return today - timedelta(days=int(value))
    raise ChantError(f"--since {text!r} is not a date (2026-02-01) or a span (7d, 2w)")


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _tokens(value: Any) -> tuple[int, int]:
    if isinstance(value, dict):
        return int(_num(value.get("input"))), int(_num(value.get("output")))
    return 0, 0


def rows_of(spec: Spec, default_agent: str = "-") -> list[Row]:
    driver = spec.id.rsplit(".", 1)[0] if "." in spec.id else "-"
    attempts = spec.get("attempts")
    day_done = str(spec.get("completed_at") or "")[:10] or "-"
    if isinstance(attempts, list) and attempts:
        found = []
        for entry in attempts:
            if not isinstance(entry, dict):
                continue
            tin, tout = _tokens(entry.get("tokens"))
            found.append(
                Row(
                    spec.id,
                    driver,
                    str(entry.get("agent") or spec.get("agent") or default_agent),
                    str(entry.get("model") or spec.get("model") or "-"),
                    str(entry.get("started_at") or "")[:10] or day_done,
                    _num(entry.get("cost_usd")),
                    tin,
                    tout,
                )
            )
        return found
    tin, tout = _tokens(spec.get("tokens"))
    cost = _num(spec.get("cost_usd"))
    if not cost and not tin and not tout:
        return []
    agent = str(spec.get("agent") or default_agent)
    return [Row(spec.id, driver, agent, str(spec.get("model") or "-"), day_done, cost, tin, tout)]


def _total(rows: Iterable[Row]) -> dict[str, Any]:
    items = list(rows)
    return {
        "cost_usd": round(sum(r.cost_usd for r in items), 6),
        "tokens": {"input": sum(r.tokens_in for r in items), "output": sum(r.tokens_out for r in items)},
        "attempts": len(items),
    }


def summarize(rows: list[Row]) -> dict[str, Any]:
    by: dict[str, dict[str, Any]] = {}
    for dimension in DIMENSIONS:
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(getattr(row, dimension), []).append(row)
        by[dimension] = {key: _total(groups[key]) for key in sorted(groups)}
    return {"total": _total(rows), "by": by}


def report(project: Project, since: str | None = None) -> dict[str, Any]:
    specs = project.specs()
    found: list[Spec] = list(specs.ordered())
    for spec_id, path in sorted(specs.archived.items()):
        try:
            found.append(Spec.from_text(spec_id, path, path.read_text(encoding="utf-8")))
        except (OSError, ChantError):
            continue
    default_agent = str(project.config.get("defaults.agent") or "claude")
    rows = [row for spec in found for row in rows_of(spec, default_agent)]
    start = parse_since(since, clock.now().date()) if since else None
    if start is not None:
        rows = [r for r in rows if r.day != "-" and r.day >= start.isoformat()]
    result = summarize(rows)
    result["since"] = start.isoformat() if start else None
    return result
