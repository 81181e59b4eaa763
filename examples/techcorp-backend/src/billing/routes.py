"""HTTP API of billing: plans, an account's subscription, invoices, paying an invoice."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from src.auth.models import Principal
from src.auth.permissions import require_scope
from src.billing.invoices import get_invoice, list_invoices
from src.billing.services import PaymentRejected, account_balance, list_plans, record_payment
from src.billing.subscriptions import active_plan_for
from src.users.services import get_account
from src.utils import Clock, PageParams, format_cents, get_clock, get_db, page_params, parse_amount

router = APIRouter(prefix="/billing", tags=["billing"])


class PaymentRequest(BaseModel):
    amount: str
    method: str = "card"


def _own_account(principal: Principal, account_id: int) -> None:
    if account_id != principal.account_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"account {account_id} not found")


@router.get("/plans")
def get_plans(_: Principal = Depends(require_scope("billing:read")),
              conn: sqlite3.Connection = Depends(get_db)) -> dict:
    return {"plans": [plan.public() for plan in list_plans(conn)]}


@router.get("/accounts/{account_id}/subscription")
def get_subscription(account_id: int, principal: Principal = Depends(require_scope("billing:read")),
                     conn: sqlite3.Connection = Depends(get_db)) -> dict:
    _own_account(principal, account_id)
    if get_account(conn, account_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"account {account_id} not found")
    return {**account_balance(conn, account_id), "subscription": active_plan_for(conn, account_id)}


@router.get("/invoices")
def get_invoices(status_filter: str | None = Query(None, alias="status"), page: PageParams = Depends(page_params),
                 principal: Principal = Depends(require_scope("billing:read")),
                 conn: sqlite3.Connection = Depends(get_db)) -> dict:
    try:
        return list_invoices(conn, principal.account_id, status_filter, page)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post("/invoices/{invoice_id}/payments", status_code=status.HTTP_201_CREATED)
def post_payment(invoice_id: int, body: PaymentRequest,
                 principal: Principal = Depends(require_scope("billing:write")),
                 conn: sqlite3.Connection = Depends(get_db), clock: Clock = Depends(get_clock)) -> dict:
    invoice = get_invoice(conn, invoice_id)
    if invoice is None or invoice.account_id != principal.account_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"invoice {invoice_id} not found")
    try:
        payment = record_payment(conn, clock, invoice_id, parse_amount(body.amount), body.method)
    except (PaymentRejected, ValueError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return {"id": payment.id, "invoice_id": payment.invoice_id, "amount": format_cents(payment.amount_cents),
            "method": payment.method, "status": payment.status, "paid_at": payment.paid_at}
