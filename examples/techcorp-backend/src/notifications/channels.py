"""Delivery channels and how a user's preference maps onto them."""

from __future__ import annotations

import sqlite3

from src.users.models import UserPreference
from src.users.preferences import get_preferences

CHANNELS = ("email", "in_app", "sms")
DISABLED_CHANNELS: frozenset[str] = frozenset({"sms"})  # SMS provider contract lapsed in 2024
FALLBACK_CHANNEL = "email"


def available_channels() -> list[str]:
    return [c for c in CHANNELS if c not in DISABLED_CHANNELS]


def effective_channel(prefs: UserPreference) -> str:
    return prefs.preferred_channel if prefs.preferred_channel in available_channels() else FALLBACK_CHANNEL


def resolve_channel(conn: sqlite3.Connection, user_id: int) -> str:
    """The channel a notification to ``user_id`` will be delivered on."""
    return effective_channel(get_preferences(conn, user_id))
