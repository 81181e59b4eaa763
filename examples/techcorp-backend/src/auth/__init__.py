"""Authentication and authorization: logins, sessions, HMAC bearer tokens, scopes."""

__owner__ = "Platform Team"
