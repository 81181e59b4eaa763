"""Tables owned by notifications: notifications, notification_templates."""

from __future__ import annotations

from dataclasses import dataclass

from src.utils import ForeignKey, Model


@dataclass
class NotificationTemplate(Model):
    __table__ = "notification_templates"

    code: str
    subject: str
    body: str

    def render_subject(self, variables: dict[str, str]) -> str:
        subject = self.subject
        for key, value in sorted(variables.items()):
            subject = subject.replace("{" + key + "}", value)
        return subject


@dataclass
class Notification(Model):
    __table__ = "notifications"

    id: int
    user_id: int = ForeignKey("users.id")
    account_id: int = ForeignKey("accounts.id")
    template_code: str = ForeignKey("notification_templates.code")
    channel: str = "email"
    subject: str = ""
    created_at: str = ""
    sent_at: str | None = None
    read_at: str | None = None
