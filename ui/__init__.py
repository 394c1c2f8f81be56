"""Shared dashboard pieces: connection, filters in the URL, formatting, chart frame, figures."""
