"""Budget arithmetic (chant.run.budget) and usage-limit messages (chant.run.ratelimit): tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chant.run import ratelimit, retry
from chant.run.budget import Budget, BudgetError, Ledger, Scope, Spend, crossed, parse_seconds

NOW = datetime(2026, 2, 1, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90.0),
        ("90s", 90.0),
        ("30m", 1800.0),
        ("2h", 7200.0),
        ("1h30m", 5400.0),
        ("1d", 86400.0),
        ("45", 45.0),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_seconds(text) == seconds


@pytest.mark.parametrize("bad", ["", "soon", "5x", 0, -3, True, "m"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(BudgetError):
        parse_seconds(bad)


def test_cli_budget_and_tightening() -> None:
    cli = Budget.parse("cost=2.5,tokens=200k,time=30m")
    assert cli == Budget(2.5, 200_000, 1800.0)
    assert Budget.parse("$3") == Budget(cost_usd=3.0)
    assert Budget.from_mapping({"tokens": "1.5m"}).tokens == 1_500_000
    merged = cli.tighter(Budget(cost_usd=1.0, seconds=3600))
    assert merged == Budget(1.0, 200_000, 1800.0)
    assert Budget().empty and not cli.empty
    for bad in ("cost", "tokens=lots", "speed=3", "cost=-1"):
        with pytest.raises(BudgetError):
            Budget.parse(bad)


@pytest.mark.parametrize(
    ("spend", "reason"),
    [
        (Spend(0.5, 1000, 10), None),  # exactly at the cap is allowed
        (Spend(0.5, 1001, 10), "budget: 1001 tokens crossed the spec cap of 1000"),
        (Spend(0.51, 10, 10), "budget: $0.5100 crossed the spec cap of $0.5"),
        (Spend(0, 0, 61), "budget: 61s crossed the spec time cap of 60s"),
    ],
)
def test_crossed(spend: Spend, reason: str | None) -> None:
    assert crossed(Budget(0.5, 1000, 60), spend, "spec") == reason


def test_ledger_sums_per_scope_and_the_run_uses_wall_time() -> None:
    ledger = Ledger(started=0.0)
    spec = Scope("spec:a", "spec", Budget(tokens=100))
    run = Scope("run", "run", Budget(cost_usd=1.0))
    ledger.add([spec, run], Spend(0.4, 60, 5))
    ledger.add([spec, run], Spend(0.4, 30, 5))
    assert ledger.spent("spec:a") == Spend(0.8, 90, 10)
    assert ledger.crossed([spec, run]) is None
    assert ledger.crossed([spec, run], Spend(0.0, 11, 0)) == "budget: 101 tokens crossed the spec cap of 100"
    assert ledger.crossed([spec, run], Spend(0.3, 0, 0)) == "budget: $1.1000 crossed the run cap of $1"
    assert ledger.spent("run").seconds > 1000, "the run's time is wall time since it started"
    assert ledger.time_left([Scope("spec:a", "spec", Budget(seconds=25))]) == 15


@pytest.mark.parametrize(
    ("text", "limited", "after"),
    [
        ("Claude AI usage limit reached|1769943600", True, timedelta(hours=1)),
        ("HTTP 429 from http://x/v1: Rate limit reached; Retry-After: 3", True, timedelta(seconds=3)),
        ("You've hit your usage limit. Try again in 20 minutes.", True, timedelta(minutes=20)),
        ("5-hour limit reached ∙ resets 3pm", True, timedelta(hours=5)),
        ("limit reached, resets at 9am (UTC)", True, timedelta(hours=23)),  # tomorrow morning
        ("quota exceeded; resets at 2026-02-01T12:30:00Z", True, timedelta(hours=2, minutes=30)),
        ("Too Many Requests", True, None),
        ("RESOURCE_EXHAUSTED: retry in 1.5s", True, timedelta(seconds=1.5)),
        ("agent exited with status 1", False, None),
        ("1 acceptance criterion unchecked", False, None),
    ],
)
def test_limit_messages(text: str, limited: bool, after: timedelta | None) -> None:
    assert ratelimit.detect(text) is limited
    when = ratelimit.resume_at(text, NOW)
    assert (None if when is None else when - NOW) == after


def test_retry_policy_and_feedback() -> None:
    assert (
        retry.allowed(None, 2, 5) == 2 and retry.allowed(0, 2, 5) == 0 and retry.allowed(None, None, "1") == 1
    )
    assert retry.allowed(None, "lots", None) == 0
    assert retry.retryable("1 acceptance criterion unchecked", attention=False)
    assert not retry.retryable("interrupted", attention=False)
    assert not retry.retryable("budget: 10 tokens crossed the spec cap of 5", attention=False)
    assert not retry.retryable("anything", attention=True)
    text = retry.feedback(1, "gate failed", "\n".join(f"line {n}" for n in range(100)))
    assert (
        text.startswith("## Attempt 1 of this spec failed") and "line 99" in text and "line 10\n" not in text
    )
