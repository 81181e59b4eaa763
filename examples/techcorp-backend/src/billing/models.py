"""Tables owned by billing: plans, subscriptions, invoices, payments."""

from __future__ import annotations

from dataclasses import dataclass

from src.utils import ForeignKey, Model, format_cents

INVOICE_STATUSES = ("open", "paid", "void")
PAYMENT_METHODS = ("card", "ach", "wire")


@dataclass
class Plan(Model):
    __table__ = "plans"

    id: int
    code: str
    name: str
    monthly_price_cents: int
    included_seats: int

    def public(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name,
                "monthly_price": format_cents(self.monthly_price_cents), "included_seats": self.included_seats}


@dataclass
class Subscription(Model):
    __table__ = "subscriptions"

    id: int
    account_id: int = ForeignKey("accounts.id")
    plan_id: int = ForeignKey("plans.id")
    status: str = "active"
    seats: int = 1
    started_at: str = ""
    canceled_at: str | None = None


@dataclass
class Invoice(Model):
    __table__ = "invoices"

    id: int
    account_id: int = ForeignKey("accounts.id")
    subscription_id: int | None = ForeignKey("subscriptions.id", nullable=True)
    number: str = ""
    issued_at: str = ""
    due_at: str = ""
    amount_cents: int = 0
    status: str = "open"

    def public(self) -> dict:
        return {"id": self.id, "account_id": self.account_id, "number": self.number, "issued_at": self.issued_at,
                "due_at": self.due_at, "amount": format_cents(self.amount_cents), "status": self.status}


@dataclass
class Payment(Model):
    __table__ = "payments"

    id: int
    invoice_id: int = ForeignKey("invoices.id")
    account_id: int = ForeignKey("accounts.id")
    amount_cents: int = 0
    method: str = "card"
    status: str = "succeeded"
    paid_at: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"
