"""Timestamps in JSON-shaped provider answers (cached as ISO text) read back as datetimes."""

from __future__ import annotations

from datetime import datetime


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 / ISO 8601 timestamp (None when absent or malformed)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
