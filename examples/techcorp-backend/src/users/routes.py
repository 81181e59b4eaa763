"""HTTP API of users: /users, /users/{id} (GET, PATCH), /users/{id}/preferences, /teams."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from src.auth.models import Principal
from src.auth.permissions import require_scope
from src.users.preferences import describe_preferences
from src.users.services import UserNotFound, get_user, get_user_details, list_teams, list_users, update_user
from src.utils import Clock, PageParams, get_clock, get_db, page_params

router = APIRouter(tags=["users"])


class UserPatch(BaseModel):
    full_name: str | None = None
    role: str | None = None
    status: str | None = None
    team_id: int | None = None


def _same_account(conn: sqlite3.Connection, principal: Principal, user_id: int) -> None:
    user = get_user(conn, user_id)
    if user is None or user.account_id != principal.account_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")


@router.get("/users")
def get_users(status_filter: str | None = Query(None, alias="status"), page: PageParams = Depends(page_params),
              principal: Principal = Depends(require_scope("users:read")),
              conn: sqlite3.Connection = Depends(get_db)) -> dict:
    return list_users(conn, page, principal.account_id, status_filter)


@router.get("/users/{user_id}")
def get_user_by_id(user_id: int, principal: Principal = Depends(require_scope("users:read")),
                   conn: sqlite3.Connection = Depends(get_db)) -> dict:
    _same_account(conn, principal, user_id)
    return get_user_details(conn, user_id)


@router.patch("/users/{user_id}")
def patch_user(user_id: int, body: UserPatch, principal: Principal = Depends(require_scope("users:write")),
               conn: sqlite3.Connection = Depends(get_db), clock: Clock = Depends(get_clock)) -> dict:
    _same_account(conn, principal, user_id)
    try:
        return update_user(conn, clock, user_id, body.model_dump()).public()
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    except UserNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found") from exc


@router.get("/users/{user_id}/preferences")
def get_user_preferences(user_id: int, principal: Principal = Depends(require_scope("users:read")),
                         conn: sqlite3.Connection = Depends(get_db)) -> dict:
    _same_account(conn, principal, user_id)
    return describe_preferences(conn, user_id)


@router.get("/teams")
def get_teams(principal: Principal = Depends(require_scope("users:read")),
              conn: sqlite3.Connection = Depends(get_db)) -> dict:
    return {"account_id": principal.account_id, "teams": list_teams(conn, principal.account_id)}
