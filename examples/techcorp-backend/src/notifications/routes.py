"""HTTP API of notifications: list, mark as read, channels."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Depends, HTTPException, status

from src.auth.models import Principal
from src.auth.permissions import require_scope
from src.notifications.channels import available_channels, resolve_channel
from src.notifications.services import NotificationNotFound, list_for_user, mark_read
from src.utils import Clock, PageParams, get_clock, get_db, page_params

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("")
def get_notifications(unread: bool = False, page: PageParams = Depends(page_params),
                      principal: Principal = Depends(require_scope("notifications:read")),
                      conn: sqlite3.Connection = Depends(get_db)) -> dict:
    return list_for_user(conn, principal.user_id, unread, page)


@router.post("/{notification_id}/read")
def post_read(notification_id: int, principal: Principal = Depends(require_scope("notifications:read")),
              conn: sqlite3.Connection = Depends(get_db), clock: Clock = Depends(get_clock)) -> dict:
    try:
        notification = mark_read(conn, clock, notification_id, principal.user_id)
    except NotificationNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"notification {notification_id} not found") from exc
    return {"id": notification.id, "read_at": notification.read_at}


@router.get("/channels")
def get_channels(principal: Principal = Depends(require_scope("notifications:read")),
                 conn: sqlite3.Connection = Depends(get_db)) -> dict:
    return {"available": available_channels(), "effective": resolve_channel(conn, principal.user_id)}
