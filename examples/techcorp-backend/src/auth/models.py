"""Tables owned by auth: sessions, permissions, audit_events."""

from __future__ import annotations

from dataclasses import dataclass

from src.utils import ForeignKey, Model


@dataclass
class Session(Model):
    __table__ = "sessions"

    id: str
    user_id: int = ForeignKey("users.id")
    created_at: str = ""
    expires_at: str = ""
    last_seen_at: str = ""
    ip_address: str = ""
    revoked_at: str | None = None

    def active_between(self, start_iso: str, end_iso: str) -> bool:
        """True when the session overlaps ``[start_iso, end_iso)``."""
        if self.revoked_at is not None and self.revoked_at <= start_iso:
            return False
        return self.created_at < end_iso and self.expires_at > start_iso


@dataclass
class Permission(Model):
    __table__ = "permissions"

    role: str
    scope: str


@dataclass
class AuditEvent(Model):
    __table__ = "audit_events"

    id: int
    actor_user_id: int | None = ForeignKey("users.id", nullable=True)
    action: str = ""
    entity: str = ""
    entity_id: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, decoded from a bearer token (not a table)."""

    user_id: int
    account_id: int
    role: str
    scopes: tuple[str, ...]
    session_id: str | None = None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or "*" in self.scopes
