"""Semantic notes for Python changes: endpoints are reported as served, with the router's prefix."""

from __future__ import annotations

from chant.drift import python_notes

BASE = 'from fastapi import APIRouter\nrouter = APIRouter(prefix="/reports")\n\n@router.get("/daily")\ndef daily():\n    pass\n'


def test_new_endpoint_carries_the_router_prefix() -> None:
    new = BASE + '\n@router.get("/realtime")\nasync def get_realtime_report():\n    pass\n'
    assert python_notes(BASE, new) == ["New endpoint: /reports/realtime", "New function: get_realtime_report"]


def test_removed_endpoint_and_app_level_routes() -> None:
    assert python_notes(BASE, "") == ["Removed endpoint: /reports/daily", "Removed function: daily"]
    assert python_notes("", '@app.post("/x")\ndef f():\n    pass\n') == [
        "New endpoint: /x",
        "New function: f",
    ]


def test_unparsable_source_gives_no_notes() -> None:
    assert python_notes("def (:", "def (:\n") == []
