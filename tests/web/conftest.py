"""Fixtures for the dashboard, site and export tests: the run suite's fake agents, reused."""

from __future__ import annotations

from tests.run.conftest import seed_work, work_factory  # noqa: F401
