"""Tables owned by reporting (report_schedules, report_runs) and the shapes of report rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from src.billing.models import Invoice, Payment
from src.users.models import Account, User
from src.utils import ForeignKey, Model, format_cents

REPORT_TYPES = ("daily", "weekly", "custom")
EXPORT_FORMATS = ("csv", "json")
METRICS = ("revenue", "invoices", "new_users", "active_sessions")
GROUP_BYS = ("day", "week", "account")
MAX_CUSTOM_DAYS = 366


@dataclass
class ReportSchedule(Model):
    __table__ = "report_schedules"

    id: int
    account_id: int = ForeignKey("accounts.id")
    owner_user_id: int = ForeignKey("users.id")
    report_type: str = "daily"
    cadence: str = "daily"
    format: str = "csv"
    active: int = 1
    created_at: str = ""


@dataclass
class ReportRun(Model):
    __table__ = "report_runs"

    id: int
    schedule_id: int = ForeignKey("report_schedules.id")
    started_at: str = ""
    finished_at: str | None = None
    status: str = "succeeded"
    row_count: int = 0


@dataclass
class DayMetrics:
    """Additive metrics of one account (or all accounts) for one day.  Not a table."""

    revenue_cents: int = 0
    payments: int = 0
    failed_payments: int = 0
    invoices: int = 0
    invoiced_cents: int = 0
    new_users: int = 0
    active_sessions: int = 0

    @classmethod
    def from_records(cls, payments: list[Payment], invoices: list[Invoice], new_users: int,
                     active_sessions: int) -> DayMetrics:
        succeeded = [p for p in payments if p.succeeded]
        return cls(revenue_cents=sum(p.amount_cents for p in succeeded), payments=len(succeeded),
                   failed_payments=len(payments) - len(succeeded), invoices=len(invoices),
                   invoiced_cents=sum(i.amount_cents for i in invoices), new_users=new_users,
                   active_sessions=active_sessions)

    def add(self, other: DayMetrics) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def render(self) -> dict:
        return {"revenue": format_cents(self.revenue_cents), "payments": self.payments,
                "failed_payments": self.failed_payments, "invoices": self.invoices,
                "invoiced": format_cents(self.invoiced_cents), "new_users": self.new_users,
                "active_sessions": self.active_sessions}


@dataclass
class AccountDay:
    account: Account
    metrics: DayMetrics = field(default_factory=DayMetrics)

    def render(self) -> dict:
        return {"account_id": self.account.id, "account_name": self.account.name, **self.metrics.render()}


@dataclass
class ScheduleOwner:
    """The owner of a schedule as shown in reports (subset of ``users``)."""

    user: User

    def render(self) -> dict:
        return {"id": self.user.id, "email": self.user.email, "full_name": self.user.full_name}
