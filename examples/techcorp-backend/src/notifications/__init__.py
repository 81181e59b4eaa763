"""In-app, e-mail and SMS notifications to users."""

__owner__ = "Team B"
