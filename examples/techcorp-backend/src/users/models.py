"""Tables owned by users: accounts, teams, users, user_preferences."""

from __future__ import annotations

from dataclasses import dataclass

from src.utils import ForeignKey, Model

ROLES = ("admin", "manager", "analyst", "member")
USER_STATUSES = ("active", "disabled")


@dataclass
class Account(Model):
    __table__ = "accounts"

    id: int
    name: str
    slug: str
    industry: str
    status: str
    created_at: str


@dataclass
class Team(Model):
    __table__ = "teams"

    id: int
    account_id: int = ForeignKey("accounts.id")
    name: str = ""
    created_at: str = ""


@dataclass
class User(Model):
    __table__ = "users"

    id: int
    account_id: int = ForeignKey("accounts.id")
    team_id: int | None = ForeignKey("teams.id", nullable=True)
    email: str = ""
    full_name: str = ""
    role: str = "member"
    status: str = "active"
    password_salt: str = ""
    password_hash: str = ""
    created_at: str = ""
    last_login_at: str | None = None

    def public(self) -> dict:
        return {"id": self.id, "account_id": self.account_id, "team_id": self.team_id, "email": self.email,
                "full_name": self.full_name, "role": self.role, "status": self.status,
                "created_at": self.created_at, "last_login_at": self.last_login_at}


@dataclass
class UserPreference(Model):
    __table__ = "user_preferences"

    user_id: int = ForeignKey("users.id")
    timezone: str = "UTC"
    locale: str = "en-US"
    digest_frequency: str = "weekly"
    preferred_channel: str = "email"
    marketing_opt_in: int = 0
