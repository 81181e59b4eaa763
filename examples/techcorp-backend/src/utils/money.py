"""Money is integer cents everywhere; these helpers only format and parse."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

_AMOUNT_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")


def format_cents(cents: int) -> str:
    """``123450`` -> ``"1234.50"``; exact, no floats."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{frac:02d}"


def parse_amount(text: str) -> int:
    """``"1234.5"`` -> ``123450``."""
    if not _AMOUNT_RE.match(text.strip()):
        raise ValueError(f"invalid amount {text!r}")
    return int((Decimal(text.strip()) * 100).to_integral_value())


def percent_change(previous: int, current: int) -> str | None:
    """Relative change as a string with one decimal (``"12.5"``); ``None`` when previous is 0."""
    if previous == 0:
        return None
    change = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
    return str(change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
