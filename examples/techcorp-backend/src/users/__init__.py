"""Accounts, teams, users and their preferences: the hub every other module leans on."""

__owner__ = "Platform Team"
