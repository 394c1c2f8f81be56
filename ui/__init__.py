"""Shared dashboard pieces: cached connection, filters in the URL, sign-in and sessions, widgets, the launcher."""
