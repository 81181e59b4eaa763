"""Deterministic seed data for the TechCorp primary database.

The generator uses one ``random.Random(20260127)`` and a fixed anchor date
(2026-01-26), so two runs with the same ``scale`` produce identical rows.
Nothing here reads the wall clock.

Usage::

    python -m db.seed var/techcorp.db [--scale 1.0]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

SEED = 20260127
ANCHOR = date(2026, 1, 26)
ANCHOR_START = datetime.combine(ANCHOR, time(0, 0), tzinfo=UTC)
SCHEMA_PATH = Path(__file__).with_name("schema.sql")
DEFAULT_PASSWORD = "techcorp-dev"

PLANS = [
    (1, "starter", "Starter", 4_900, 5),
    (2, "growth", "Growth", 19_900, 25),
    (3, "enterprise", "Enterprise", 99_900, 200),
]

ROLE_SCOPES = {
    "admin": ["billing:read", "billing:write", "notifications:read", "reports:read",
              "users:read", "users:write"],
    "manager": ["billing:read", "notifications:read", "reports:read", "users:read"],
    "analyst": ["notifications:read", "reports:read", "users:read"],
    "member": ["notifications:read", "users:read"],
}

TEMPLATES = [
    ("invoice_issued", "Invoice {number} issued", "Your invoice {number} is ready."),
    ("payment_received", "Payment received", "We received your payment, thank you."),
    ("payment_failed", "Payment failed", "Your payment could not be processed."),
    ("report_ready", "Your report is ready", "A scheduled report has finished."),
    ("security_alert", "New sign-in", "A new sign-in to your account was detected."),
]

INDUSTRIES = ["fintech", "health", "retail", "logistics", "media", "education"]
NAME_PARTS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
              "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Gringotts", "Oscorp", "Aperture",
              "Massive", "Dunder", "Pied", "Monarch", "Nakatomi", "Prestige", "Virtucon",
              "Zorg", "Octan", "Ollivander"]
FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai",
         "Lena", "Maya", "Noor", "Omar", "Pia", "Quinn", "Ravi", "Sara", "Tom"]
LAST = ["Ahmed", "Brown", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Huang", "Ito",
        "Jones", "Kim", "Lopez", "Meyer", "Novak", "Okafor", "Park", "Rossi", "Singh"]
TEAMS = ["Engineering", "Finance", "Operations", "Sales"]


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def hash_password(salt: str, password: str) -> str:
    """Legacy scheme shared with ``src.auth.services``: sha256 of ``salt:password``."""
    return hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()


def _moment(rng: random.Random, days_ago_max: int, days_ago_min: int = 0) -> datetime:
    """A random second between ``days_ago_max`` and ``days_ago_min`` days before the anchor."""
    day = rng.randint(days_ago_min + 1, days_ago_max) if days_ago_max > days_ago_min else days_ago_min + 1
    return ANCHOR_START - timedelta(days=day) + timedelta(seconds=rng.randint(0, 86_399))


def apply_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA_PATH.read_text(encoding="utf-8"))


def seed(conn: sqlite3.Connection, scale: float = 1.0) -> dict[str, int]:
    """Insert the whole data set into an empty schema; returns row counts per table."""
    rng = random.Random(SEED)

    def n(base: int) -> int:
        return max(1, round(base * scale))

    rows: dict[str, list[tuple]] = {name: [] for name in (
        "plans", "permissions", "notification_templates", "accounts", "teams", "users",
        "user_preferences", "subscriptions", "invoices", "payments", "sessions",
        "notifications", "report_schedules", "report_runs", "audit_events")}
    rows["plans"] = list(PLANS)
    rows["permissions"] = [(role, scope) for role, scopes in ROLE_SCOPES.items() for scope in scopes]
    rows["notification_templates"] = list(TEMPLATES)

    # accounts and teams
    account_created: dict[int, datetime] = {}
    for account_id in range(1, n(25) + 1):
        name = NAME_PARTS[(account_id - 1) % len(NAME_PARTS)]
        suffix = "" if account_id <= len(NAME_PARTS) else f" {account_id}"
        created = _moment(rng, 900, 200)
        account_created[account_id] = created
        status = "suspended" if rng.random() < 0.08 else "active"
        rows["accounts"].append((account_id, f"{name} Corp{suffix}", f"{name.lower()}{suffix.strip()}",
                                 rng.choice(INDUSTRIES), status, iso(created)))
        for team_name in TEAMS:
            rows["teams"].append((len(rows["teams"]) + 1, account_id, team_name, iso(created)))
    account_ids = sorted(account_created)

    # users: one admin per account, the rest spread randomly
    users_by_account: dict[int, list[int]] = {a: [] for a in account_ids}
    user_total = max(n(120), len(account_ids))
    for user_id in range(1, user_total + 1):
        if user_id <= len(account_ids):
            account_id, role, created = user_id, "admin", account_created[user_id]
        else:
            account_id = rng.choice(account_ids)
            role = rng.choices(["member", "analyst", "manager"], weights=[6, 2, 2])[0]
            created = max(_moment(rng, 180), account_created[account_id])
        team_id = (account_id - 1) * len(TEAMS) + rng.randint(1, len(TEAMS))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        salt = f"{rng.getrandbits(32):08x}"
        status = "disabled" if rng.random() < 0.05 else "active"
        rows["users"].append((user_id, account_id, team_id, f"{first}.{last}.{user_id}@example.com".lower(),
                              f"{first} {last}", role, status, salt, hash_password(salt, DEFAULT_PASSWORD),
                              iso(created), None))
        rows["user_preferences"].append((user_id, rng.choice(["UTC", "Europe/Berlin", "America/New_York"]),
                                         rng.choice(["en-US", "de-DE", "fr-FR"]),
                                         rng.choice(["daily", "weekly", "never"]),
                                         rng.choice(["email", "email", "in_app", "sms"]),
                                         int(rng.random() < 0.3)))
        users_by_account[account_id].append(user_id)

    # subscriptions: one per account
    for account_id in account_ids:
        plan_id = rng.choices([1, 2, 3], weights=[5, 3, 1])[0]
        status = "canceled" if rng.random() < 0.08 else "active"
        started = account_created[account_id] + timedelta(days=rng.randint(0, 30))
        canceled = iso(_moment(rng, 60)) if status == "canceled" else None
        rows["subscriptions"].append((account_id, account_id, plan_id, status,
                                      PLANS[plan_id - 1][4] + rng.randint(0, 10), iso(started), canceled))

    # invoices over the 90 days before the anchor, and their payments
    issued_list = sorted(_moment(rng, 90) for _ in range(n(600)))
    for invoice_id, issued in enumerate(issued_list, start=1):
        account_id = rng.choice(account_ids)
        amount = rng.randint(20, 2_500) * 100 + rng.choice([0, 0, 50, 99, 25])
        status = "open"
        if rng.random() < 0.92:
            paid_at = issued + timedelta(days=rng.randint(0, 9), seconds=rng.randint(60, 40_000))
            if paid_at < ANCHOR_START:
                if rng.random() < 0.06:
                    failed_at = paid_at - timedelta(hours=rng.randint(1, 20))
                    rows["payments"].append((len(rows["payments"]) + 1, invoice_id, account_id, amount,
                                             "card", "failed", iso(max(failed_at, issued))))
                method = rng.choice(["card", "card", "ach", "wire"])
                rows["payments"].append((len(rows["payments"]) + 1, invoice_id, account_id, amount,
                                         method, "succeeded", iso(paid_at)))
                status = "paid"
        elif rng.random() < 0.5:
            status = "void"
        due = issued + timedelta(days=14)
        rows["invoices"].append((invoice_id, account_id, account_id, f"INV-{invoice_id:06d}", iso(issued),
                                 iso(due), amount, status))

    # sessions over the last 30 days
    user_ids = [u[0] for u in rows["users"]]
    for _ in range(n(300)):
        user_id = rng.choice(user_ids)
        created = _moment(rng, 30)
        expires = created + timedelta(days=rng.randint(1, 7))
        last_seen = created + timedelta(seconds=rng.randint(0, 36_000))
        revoked = iso(last_seen + timedelta(minutes=5)) if rng.random() < 0.1 else None
        ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        rows["sessions"].append((f"s-{rng.getrandbits(64):016x}", user_id, iso(created), iso(expires),
                                 iso(last_seen), ip, revoked))
        rows["audit_events"].append((len(rows["audit_events"]) + 1, user_id, "login", "session",
                                     rows["sessions"][-1][0], iso(created)))

    # notifications
    channels = ["email", "email", "in_app", "sms"]
    for notification_id in range(1, n(400) + 1):
        user_id = rng.choice(user_ids)
        account_id = rows["users"][user_id - 1][1]
        code, subject, _body = rng.choice(TEMPLATES)
        created = _moment(rng, 60)
        sent = iso(created + timedelta(seconds=rng.randint(1, 600))) if rng.random() < 0.95 else None
        read = iso(created + timedelta(hours=rng.randint(1, 48))) if sent and rng.random() < 0.5 else None
        rows["notifications"].append((notification_id, user_id, account_id, code, rng.choice(channels),
                                      subject.replace("{number}", f"INV-{rng.randint(1, 999):06d}"),
                                      iso(created), sent, read))

    # report schedules and their past runs
    for schedule_id in range(1, n(10) + 1):
        account_id = rng.choice(account_ids)
        owner = rng.choice(users_by_account[account_id])
        cadence = rng.choice(["daily", "weekly", "monthly"])
        created = _moment(rng, 120, 40)
        rows["report_schedules"].append((schedule_id, account_id, owner,
                                         rng.choice(["daily", "weekly", "custom"]), cadence,
                                         rng.choice(["csv", "json"]), int(rng.random() < 0.85), iso(created)))
        for _ in range(rng.randint(2, 6)):
            started = _moment(rng, 35)
            status = "failed" if rng.random() < 0.1 else "succeeded"
            rows["report_runs"].append((len(rows["report_runs"]) + 1, schedule_id, iso(started),
                                        iso(started + timedelta(seconds=rng.randint(5, 400))), status,
                                        0 if status == "failed" else rng.randint(10, 5_000)))

    with conn:
        for table, table_rows in rows.items():
            if table_rows:
                marks = ",".join("?" * len(table_rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
    return {table: len(table_rows) for table, table_rows in rows.items()}


def create_database(path: str | Path, scale: float = 1.0) -> dict[str, int]:
    """Create (or replace) a database file with the schema and seed data."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    try:
        apply_schema(conn)
        return seed(conn, scale)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create and seed a TechCorp database.")
    parser.add_argument("path", help="database file to (re)create")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    counts = create_database(args.path, args.scale)
    for table, count in counts.items():
        print(f"{table:24} {count:6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
