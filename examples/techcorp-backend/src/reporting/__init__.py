"""Business reporting: daily, weekly and custom reports, exports and report schedules.

Read-only: reporting never writes to the database.  It assembles its numbers by
calling the services of users, billing and auth for every account.
"""

__owner__ = "Team C (Insights)"
