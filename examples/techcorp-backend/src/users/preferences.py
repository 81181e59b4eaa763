"""User preferences (timezone, locale, digest and notification channel)."""

from __future__ import annotations

import sqlite3

from src.users.models import UserPreference
from src.utils import fetch_one

DEFAULTS = UserPreference(user_id=0)


def get_preferences(conn: sqlite3.Connection, user_id: int) -> UserPreference:
    row = fetch_one(conn, "SELECT * FROM user_preferences WHERE user_id = ?", (user_id,))
    prefs = UserPreference.from_row(row)
    if prefs is None:
        prefs = UserPreference(user_id=user_id)
    return prefs


def describe_preferences(conn: sqlite3.Connection, user_id: int) -> dict:
    """Preferences plus the channel that will actually be used for notifications."""
    from src.notifications.channels import available_channels, effective_channel  # lazy: channels imports us

    prefs = get_preferences(conn, user_id)
    data = prefs.to_dict()
    data["marketing_opt_in"] = bool(prefs.marketing_opt_in)
    data["available_channels"] = available_channels()
    data["effective_channel"] = effective_channel(prefs)
    return data
