-- TechCorp backend schema (primary database).
--
-- Conventions: money is stored as INTEGER cents, timestamps as UTC ISO-8601
-- strings ('2026-01-26T12:00:00Z'), dates as 'YYYY-MM-DD'.  Every cross-module
-- foreign key points at the users module (accounts / users).
--
-- Table ownership:
--   users          accounts, teams, users, user_preferences
--   auth           sessions, permissions, audit_events
--   billing        plans, subscriptions, invoices, payments
--   notifications  notifications, notification_templates
--   reporting      report_schedules, report_runs

PRAGMA foreign_keys = ON;

-- users ---------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS accounts (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    slug         TEXT    NOT NULL UNIQUE,
    industry     TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'active',
    created_at   TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS teams (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    name         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_teams_account ON teams(account_id);

CREATE TABLE IF NOT EXISTS users (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id),
    team_id        INTEGER REFERENCES teams(id),
    email          TEXT    NOT NULL UNIQUE,
    full_name      TEXT    NOT NULL,
    role           TEXT    NOT NULL DEFAULT 'member',
    status         TEXT    NOT NULL DEFAULT 'active',
    password_salt  TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    last_login_at  TEXT
);
CREATE INDEX IF NOT EXISTS ix_users_account_created ON users(account_id, created_at);

CREATE TABLE IF NOT EXISTS user_preferences (
    user_id           INTEGER PRIMARY KEY REFERENCES users(id),
    timezone          TEXT    NOT NULL DEFAULT 'UTC',
    locale            TEXT    NOT NULL DEFAULT 'en-US',
    digest_frequency  TEXT    NOT NULL DEFAULT 'weekly',
    preferred_channel TEXT    NOT NULL DEFAULT 'email',
    marketing_opt_in  INTEGER NOT NULL DEFAULT 0
);

-- auth ----------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS sessions (
    id            TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    TEXT    NOT NULL,
    expires_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    ip_address    TEXT    NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX IF NOT EXISTS ix_sessions_user ON sessions(user_id, created_at);

CREATE TABLE IF NOT EXISTS permissions (
    role   TEXT NOT NULL,
    scope  TEXT NOT NULL,
    PRIMARY KEY (role, scope)
);

CREATE TABLE IF NOT EXISTS audit_events (
    id            INTEGER PRIMARY KEY,
    actor_user_id INTEGER REFERENCES users(id),
    action        TEXT    NOT NULL,
    entity        TEXT    NOT NULL,
    entity_id     TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);

-- billing -------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS plans (
    id                   INTEGER PRIMARY KEY,
    code                 TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    monthly_price_cents  INTEGER NOT NULL,
    included_seats       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS subscriptions (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    plan_id      INTEGER NOT NULL REFERENCES plans(id),
    status       TEXT    NOT NULL,
    seats        INTEGER NOT NULL,
    started_at   TEXT    NOT NULL,
    canceled_at  TEXT
);
CREATE INDEX IF NOT EXISTS ix_subscriptions_account ON subscriptions(account_id);

CREATE TABLE IF NOT EXISTS invoices (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id),
    subscription_id  INTEGER REFERENCES subscriptions(id),
    number           TEXT    NOT NULL UNIQUE,
    issued_at        TEXT    NOT NULL,
    due_at           TEXT    NOT NULL,
    amount_cents     INTEGER NOT NULL,
    status           TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_invoices_account_issued ON invoices(account_id, issued_at);

CREATE TABLE IF NOT EXISTS payments (
    id            INTEGER PRIMARY KEY,
    invoice_id    INTEGER NOT NULL REFERENCES invoices(id),
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    amount_cents  INTEGER NOT NULL,
    method        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    paid_at       TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_payments_account_paid ON payments(account_id, paid_at);

-- notifications -------------------------------------------------------------

CREATE TABLE IF NOT EXISTS notification_templates (
    code      TEXT PRIMARY KEY,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS notifications (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    template_code TEXT    NOT NULL REFERENCES notification_templates(code),
    channel       TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    sent_at       TEXT,
    read_at       TEXT
);
CREATE INDEX IF NOT EXISTS ix_notifications_user ON notifications(user_id, created_at);

-- reporting -----------------------------------------------------------------

CREATE TABLE IF NOT EXISTS report_schedules (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id),
    owner_user_id  INTEGER NOT NULL REFERENCES users(id),
    report_type    TEXT    NOT NULL,
    cadence        TEXT    NOT NULL,
    format         TEXT    NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS report_runs (
    id           INTEGER PRIMARY KEY,
    schedule_id  INTEGER NOT NULL REFERENCES report_schedules(id),
    started_at   TEXT    NOT NULL,
    finished_at  TEXT,
    status       TEXT    NOT NULL,
    row_count    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_report_runs_schedule ON report_runs(schedule_id, started_at);
