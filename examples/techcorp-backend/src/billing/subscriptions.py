"""Which plan an account is on."""

from __future__ import annotations

import sqlite3

from src.billing.models import Plan, Subscription
from src.users.models import Account
from src.utils import fetch_one, format_cents


def subscription_for_account(conn: sqlite3.Connection, account: Account | int) -> Subscription | None:
    account_id = account.id if isinstance(account, Account) else account
    row = fetch_one(conn, "SELECT * FROM subscriptions WHERE account_id = ? ORDER BY started_at DESC, id DESC"
                    " LIMIT 1", (account_id,))
    return Subscription.from_row(row)


def active_plan_for(conn: sqlite3.Connection, account_id: int) -> dict | None:
    """The active plan of an account with its monthly cost, or None without an active subscription."""
    subscription = subscription_for_account(conn, account_id)
    if subscription is None or subscription.status != "active":
        return None
    plan = Plan.from_row(fetch_one(conn, "SELECT * FROM plans WHERE id = ?", (subscription.plan_id,)))
    if plan is None:
        return None
    extra_seats = max(0, subscription.seats - plan.included_seats)
    monthly = plan.monthly_price_cents + extra_seats * (plan.monthly_price_cents // max(plan.included_seats, 1))
    return {"plan": plan.code, "name": plan.name, "seats": subscription.seats,
            "monthly_cost": format_cents(monthly), "since": subscription.started_at}
