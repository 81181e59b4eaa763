"""Turning report payloads into flat tables, CSV text and download file names."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

METRIC_COLUMNS = ["revenue", "payments", "failed_payments", "invoices", "invoiced", "new_users",
                  "active_sessions"]


def to_csv(rows: Iterable[dict], columns: Sequence[str]) -> str:
    """CSV with a header row, ``\\n`` line endings and missing values as empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buffer.getvalue()


def flatten(report: dict) -> tuple[list[str], list[dict]]:
    """Columns and rows of a daily, weekly or custom report payload."""
    kind = report["report"]
    if kind == "daily":
        return ["date", "account_id", "account_name", *METRIC_COLUMNS], [
            {"date": report["date"], **row} for row in report["accounts"]]
    if kind == "weekly":
        return ["week", "date", *METRIC_COLUMNS], [{"week": report["week"], **row} for row in report["days"]]
    if kind == "custom":
        columns = ["key"] + (["account_name"] if report["group_by"] == "account" else []) + report["metrics"]
        return columns, list(report["rows"])
    raise ValueError(f"cannot export report type {kind!r}")


def export_filename(report: dict, fmt: str) -> str:
    kind = report["report"]
    if kind == "daily":
        stem = f"daily-{report['date']}" + (f"-account-{report['account_id']}" if report["account_id"] else "")
    elif kind == "weekly":
        stem = f"weekly-{report['week']}"
    else:
        stem = f"custom-{report['start']}-{report['end']}-by-{report['group_by']}"
    return f"{stem}.{fmt}"
