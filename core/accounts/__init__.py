"""Accounts: organisations, teams, people, roles, sign-in and invitations."""
