"""``schedule:``: the due rule as a table (pure functions), then `chant list --due` / `chant work --due`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.lifecycle import command_agent

from chant.schedule import ScheduleError, is_due, next_run, parse_cron, parse_interval


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "completed", "now", "due"),
    [
        (None, "2026-01-01T00:00", "2027-01-01T00:00", False),
        ("daily", "2026-03-01T09:00", "2026-03-02T08:59", False),
        ("daily", "2026-03-01T09:00", "2026-03-02T09:00", True),
        ("weekly", "2026-03-01T09:00", "2026-03-07T09:00", False),
        ("weekly", "2026-03-01T09:00", "2026-03-08T09:00", True),
        ("Weekly", "2026-03-01T09:00", "2026-03-20T09:00", True),
        ("monthly", "2026-01-31T10:00", "2026-02-27T10:00", False),
        ("monthly", "2026-01-31T10:00", "2026-02-28T10:00", True),  # clamped to the month's last day
        ("monthly", "2026-12-15T10:00", "2027-01-15T10:00", True),
        # Mondays at 09:00 (2026-03-02 is a Monday)
        ("0 9 * * 1", "2026-03-02T09:30", "2026-03-09T08:59", False),
        ("0 9 * * 1", "2026-03-02T09:30", "2026-03-09T09:00", True),
        ("0 9 * * mon", "2026-03-02T08:00", "2026-03-02T09:00", True),
        ("*/15 * * * *", "2026-03-02T10:01", "2026-03-02T10:14", False),
        ("*/15 * * * *", "2026-03-02T10:01", "2026-03-02T10:15", True),
        ("0 0 1 * *", "2026-03-02T00:00", "2026-03-31T23:59", False),
        ("0 0 1 * *", "2026-03-02T00:00", "2026-04-01T00:00", True),
        ("30 6 * 1-3 1-5", "2026-03-31T07:00", "2027-01-01T06:29", False),  # April-December skipped
        ("30 6 * 1-3 1-5", "2026-03-31T07:00", "2027-01-01T06:30", True),  # a Friday in January
        ("0 0 13 * 5", "2026-03-01T00:00", "2026-03-06T00:00", True),  # day-of-month OR day-of-week
        ("0 0 13 * 5", "2026-03-01T00:00", "2026-03-05T23:59", False),
        ("0 0 * * 7", "2026-03-02T00:00", "2026-03-08T00:00", True),  # 7 is Sunday too
    ],
)
def test_is_due(schedule: str | None, completed: str, now: str, due: bool) -> None:
    assert is_due(schedule, t(completed), t(now)) is due


def test_never_completed_is_due_and_next_run() -> None:
    assert is_due("weekly", None, t("2026-01-01T00:00"))
    assert next_run("0 9 * * 1", t("2026-03-02T09:00")) == t("2026-03-09T09:00")
    assert next_run("0 0 30 2 *", t("2026-01-01T00:00")) is None  # February 30th never comes


@pytest.mark.parametrize(
    "bad",
    [
        "fortnightly",
        "* * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "*/0 * * * *",
        "@daily",
    ],
)
def test_invalid_schedules(bad: str) -> None:
    with pytest.raises(ScheduleError):
        next_run(bad, t("2026-01-01T00:00"))


def test_parse_cron_lists_and_names() -> None:
    cron = parse_cron("0,30 9-17/4 * jan,jul sun")
    assert cron.minutes == {0, 30} and cron.hours == {9, 13, 17}
    assert cron.months == {1, 7} and cron.weekdays == {0}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, timedelta(days=7)), (3, timedelta(days=3)), ("7d", timedelta(days=7)), ("2w", timedelta(days=14))]
    + [("12h", timedelta(hours=12)), ("7 days", timedelta(days=7)), ("90m", timedelta(minutes=90))],
)
def test_parse_interval(value: object, expected: timedelta) -> None:
    assert parse_interval(value) == expected


def test_parse_interval_rejects_garbage() -> None:
    with pytest.raises(ScheduleError):
        parse_interval("soon")


# -- end to end --------------------------------------------------------------------------------------------
AGENT = """\
import os, pathlib, subprocess
spec = pathlib.Path(os.environ["CHANT_SPEC_FILE"])
spec.write_text(spec.read_text().replace("- [ ]", "- [x]"))
wt = pathlib.Path(os.environ["CHANT_WORKTREE_PATH"])
(wt / "out").mkdir(exist_ok=True)
(wt / "out" / (os.environ["CHANT_SPEC_ID"] + ".txt")).write_text(os.environ.get("CHANT_NOW", "") + "\\n")
subprocess.run(["git", "add", "-A"], cwd=wt, check=True)
subprocess.run(["git", "commit", "-qm", "chant(%s): work" % os.environ["CHANT_SPEC_ID"]], cwd=wt, check=True)
"""


def _spec(schedule: str | None, title: str) -> str:
    line = f"schedule: {schedule}\n" if schedule else ""
    return f"---\ntype: research\nstatus: pending\n{line}---\n\n# {title}\n\n## Acceptance Criteria\n\n- [ ] done\n"


WEEKLY = "2026-03-01-001-wkly"
MONTHLY = "2026-03-01-002-mon"
PLAIN = "2026-03-01-003-once"
CRON = "2026-03-01-004-cron"


def test_list_due_and_work_due(chant_repo: Path, run_chant: Any, git: Any, chant_env: dict[str, str]) -> None:
    root = chant_repo
    command_agent.install(root, AGENT, "sched", prompt=None)
    specs = root / ".chant/specs"
    (specs / f"{WEEKLY}.md").write_text(_spec("weekly", "Weekly coupling status"))
    (specs / f"{MONTHLY}.md").write_text(_spec("monthly", "Monthly report"))
    (specs / f"{PLAIN}.md").write_text(_spec(None, "One-off"))
    (specs / f"{CRON}.md").write_text(_spec('"0 9 * * 1"', "Monday metrics"))
    git("add", "-A")
    git("commit", "-qm", "specs")
    first = {**chant_env, "CHANT_NOW": "2026-03-02T10:00:00Z"}  # a Monday, after 09:00
    run_chant("work", "--parallel", env=first, check=True)

    def at(now: str) -> dict[str, str]:
        return {**chant_env, "CHANT_NOW": now}

    assert run_chant("list", "--due", env=at("2026-03-05T10:00:00Z"), check=True).stdout == ""
    listed = run_chant("list", "--due", env=at("2026-03-09T10:00:00Z"), check=True).stdout
    assert WEEKLY in listed and CRON in listed
    assert MONTHLY not in listed and PLAIN not in listed
    count = run_chant("list", "--due", "--count", env=at("2026-04-02T10:00:00Z"), check=True).stdout
    assert count.strip() == "3"

    assert "No scheduled specs are due." in run_chant("work", "--due", env=at("2026-03-05T10:00:00Z")).stdout
    dry = run_chant("work", "--due", "--dry-run", env=at("2026-03-09T10:00:00Z"), check=True).stdout
    assert f"Due: {WEEKLY}" in dry and "status: completed" in (specs / f"{WEEKLY}.md").read_text()

    out = run_chant("work", "--due", env=at("2026-03-09T10:00:00Z"), check=True)
    assert f"Due: {WEEKLY} (Weekly coupling status), schedule: weekly; reset to pending" in out.stdout
    weekly = (specs / f"{WEEKLY}.md").read_text()
    assert "status: completed" in weekly
    assert "completed_at: '2026-03-09" in weekly or "completed_at: 2026-03-09" in weekly
    assert "original_completed_at" in weekly
    assert (root / "out" / f"{WEEKLY}.txt").read_text().strip() == "2026-03-09T10:00:00Z"
    assert (
        root / "out" / f"{MONTHLY}.txt"
    ).read_text().strip() == "2026-03-02T10:00:00Z"  # not due: not re-run
    assert run_chant("list", "--due", env=at("2026-03-10T10:00:00Z"), check=True).stdout == ""
    # `chant work ID` on a completed scheduled spec: a no-op until it is due, then it runs again
    early = run_chant("work", WEEKLY, env=at("2026-03-10T10:00:00Z"))
    assert early.returncode == 0 and "already completed" in early.stdout
    assert "status: completed" in (specs / f"{WEEKLY}.md").read_text()
    again = run_chant("work", WEEKLY, env=at("2026-03-16T10:00:00Z"), check=True)
    assert f"Due: {WEEKLY}" in again.stdout
    assert (root / "out" / f"{WEEKLY}.txt").read_text().strip() == "2026-03-16T10:00:00Z"

    (specs / f"{PLAIN}.md").write_text(
        (specs / f"{PLAIN}.md").read_text().replace("type:", "schedule: often\ntype:")
    )
    warned = run_chant("list", "--due", env=at("2026-03-10T10:00:00Z"), check=True)
    assert f"{PLAIN}: invalid schedule 'often'" in warned.stderr
    assert run_chant("work", "--due", WEEKLY).returncode == 2
