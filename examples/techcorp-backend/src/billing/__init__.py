"""Plans, subscriptions, invoices and payments."""

__owner__ = "Team B"
