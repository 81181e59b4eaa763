"""Shared utilities.  Every module imports from here (``from src.utils import ...``).

Introduced in 2018 to stop copy-pasting helpers between modules; it has since
become the most depended-upon package of the monolith.
"""

from src.utils.cache import TTLCache
from src.utils.db import (
    ConnectionPool,
    ForeignKey,
    Model,
    QueryCounter,
    QueryCountMiddleware,
    fetch_all,
    fetch_one,
    fetch_value,
    get_db,
)
from src.utils.logging import get_logger
from src.utils.money import format_cents, parse_amount, percent_change
from src.utils.pagination import PageParams, page_params, paginate
from src.utils.timeutil import (
    Clock,
    FixedClock,
    day_bounds,
    get_clock,
    iso_week_label,
    iter_days,
    parse_date,
    parse_iso_week,
    parse_timestamp,
    range_bounds,
    to_iso,
    week_bounds,
)

__all__ = [
    "Clock", "ConnectionPool", "FixedClock", "ForeignKey", "Model", "PageParams", "QueryCountMiddleware",
    "QueryCounter", "TTLCache", "day_bounds", "fetch_all", "fetch_one", "fetch_value", "format_cents",
    "get_clock", "get_db", "get_logger", "iso_week_label", "iter_days", "page_params", "paginate",
    "parse_amount", "parse_date", "parse_iso_week", "parse_timestamp", "percent_change", "range_bounds",
    "to_iso", "week_bounds",
]
