"""HTTP API of reporting: five read-only GET endpoints under /reports, all requiring ``reports:read``."""

from __future__ import annotations

import json
import sqlite3

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from src.auth.permissions import require_scope
from src.reporting.exporters import export_filename, flatten, to_csv
from src.reporting.models import EXPORT_FORMATS
from src.reporting.services import (
    ReportError,
    ReportNotFound,
    build_custom_report,
    build_daily_report,
    build_report,
    build_weekly_report,
    list_schedules,
    parse_metrics,
    resolve_day,
    resolve_range,
    resolve_week,
)
from src.utils import Clock, get_clock, get_db

router = APIRouter(prefix="/reports", tags=["reporting"], dependencies=[Depends(require_scope("reports:read"))])

DEFAULT_METRICS = "revenue,invoices,new_users,active_sessions"


def _run(builder, *args, **kwargs) -> dict:
    try:
        return builder(*args, **kwargs)
    except ReportError as exc:
        raise HTTPException(422, str(exc)) from exc
    except ReportNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.get("/daily")
def get_daily_report(date: str | None = Query(None, description="YYYY-MM-DD, default yesterday"),
                     account_id: int | None = Query(None),
                     conn: sqlite3.Connection = Depends(get_db), clock: Clock = Depends(get_clock)) -> dict:
    return _run(lambda: build_daily_report(conn, resolve_day(date, clock), account_id))


@router.get("/weekly")
def get_weekly_report(week: str | None = Query(None, description="ISO week YYYY-Www, default last week"),
                      conn: sqlite3.Connection = Depends(get_db), clock: Clock = Depends(get_clock)) -> dict:
    return _run(lambda: build_weekly_report(conn, resolve_week(week, clock)))


@router.get("/custom")
def get_custom_report(start: str | None = Query(None), end: str | None = Query(None),
                      metrics: str = Query(DEFAULT_METRICS), group_by: str = Query("day"),
                      conn: sqlite3.Connection = Depends(get_db), clock: Clock = Depends(get_clock)) -> dict:
    def build() -> dict:
        start_day, end_day = resolve_range(start, end, clock)
        return build_custom_report(conn, start_day, end_day, parse_metrics(metrics), group_by)

    return _run(build)


@router.get("/export")
def get_export(report: str = Query("daily"), fmt: str = Query("csv", alias="format"),
               date: str | None = Query(None), account_id: int | None = Query(None),
               week: str | None = Query(None), start: str | None = Query(None), end: str | None = Query(None),
               metrics: str = Query(DEFAULT_METRICS), group_by: str = Query("day"),
               conn: sqlite3.Connection = Depends(get_db), clock: Clock = Depends(get_clock)) -> Response:
    if fmt not in EXPORT_FORMATS:
        raise HTTPException(422, f"unknown format {fmt!r}; expected {', '.join(EXPORT_FORMATS)}")
    payload = _run(build_report, conn, clock, report, day=date, account_id=account_id, week=week,
                   start=start, end=end, metrics=metrics, group_by=group_by)
    columns, rows = flatten(payload)
    filename = export_filename(payload, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response(to_csv(rows, columns), media_type="text/csv; charset=utf-8", headers=headers)
    body = json.dumps({"report": payload["report"], "filename": filename, "columns": columns, "rows": rows},
                      ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type="application/json", headers=headers)


@router.get("/schedule")
def get_schedules(account_id: int | None = Query(None), conn: sqlite3.Connection = Depends(get_db),
                  clock: Clock = Depends(get_clock)) -> dict:
    return _run(list_schedules, conn, clock, account_id)
