"""HTTP API of auth: /auth/login, /auth/logout, /auth/refresh, /auth/permissions."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel

from src.auth.models import Principal
from src.auth.permissions import current_principal, effective_scopes
from src.auth.services import LoginFailed, issue_token, login, logout, session_is_live
from src.config.settings import Settings, get_settings
from src.utils import Clock, get_clock, get_db

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    email: str
    password: str


@router.post("/login")
def post_login(body: LoginRequest, request: Request, conn: sqlite3.Connection = Depends(get_db),
               clock: Clock = Depends(get_clock), settings: Settings = Depends(get_settings)) -> dict:
    client_ip = request.client.host if request.client else "0.0.0.0"
    try:
        return login(conn, clock, settings.token_secret, settings.token_ttl_seconds,
                     body.email, body.password, client_ip)
    except LoginFailed as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from exc


@router.post("/logout")
def post_logout(principal: Principal = Depends(current_principal), conn: sqlite3.Connection = Depends(get_db),
                clock: Clock = Depends(get_clock)) -> dict:
    return {"revoked": logout(conn, clock, principal)}


@router.post("/refresh")
def post_refresh(principal: Principal = Depends(current_principal), conn: sqlite3.Connection = Depends(get_db),
                 clock: Clock = Depends(get_clock), settings: Settings = Depends(get_settings)) -> dict:
    if not session_is_live(conn, clock, principal.session_id):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "session revoked or expired")
    token, expires_at = issue_token(principal, settings.token_secret, clock, settings.token_ttl_seconds)
    return {"access_token": token, "token_type": "bearer", "expires_at": expires_at}


@router.get("/permissions")
def get_permissions(principal: Principal = Depends(current_principal),
                    conn: sqlite3.Connection = Depends(get_db)) -> dict:
    return {"user_id": principal.user_id, "role": principal.role,
            "token_scopes": sorted(principal.scopes), "granted_scopes": effective_scopes(conn, principal.user_id)}
