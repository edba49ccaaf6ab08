"""Times operators type: ``now``, durations back from now (``90m``, ``2h``, ``7d``) or ISO 8601."""

from __future__ import annotations

import datetime
import re

_RELATIVE = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
UTC = datetime.timezone.utc


def parse_time(text: str, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """A timezone-aware UTC time from ``now``, ``2h`` (two hours ago) or ISO 8601 (naive means UTC).

    Example::

        parse_time("2025-10-13T10:30:00Z")  # datetime(2025, 10, 13, 10, 30, tzinfo=UTC)
    """
    now = now or datetime.datetime.now(UTC)
    text = text.strip()
    if text == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        return now - datetime.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use now, 30m, 2h, 7d or ISO 8601 like 2025-10-13T10:30:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def canonical(moment: datetime.datetime) -> str:
    """The handler's canonical UTC form (``YYYY-MM-DDTHH:MM:SS.fffffffffZ``), which error ids start with."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond * 1000:09d}Z"


def days_between(start: datetime.datetime, end: datetime.datetime) -> list[str]:
    """The UTC dates (``YYYY-MM-DD``) from ``start`` to ``end``, newest first."""
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    count = (last - first).days + 1
    return [(last - datetime.timedelta(days=offset)).isoformat() for offset in range(max(count, 0))]
