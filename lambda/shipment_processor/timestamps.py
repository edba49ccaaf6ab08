"""RFC 3339 timestamps in and one canonical UTC form out (pure).

Producers may write one instant several ways (``10:30:00Z``,
``12:30:00+02:00``, ``10:30:00.000Z``). The canonical form is one fixed width
UTC text, ``YYYY-MM-DDTHH:MM:SS.fffffffffZ``: always nine fractional digits,
so one instant is one text and the lexicographic order of canonical
timestamps is chronological order (variable-length fractions would sort
``.5Z`` after ``.25Z`` but also ``10:30:00Z`` after ``10:30:00.5Z``).
Nanoseconds are the precision because they hold every common producer's
timestamp (JavaScript milliseconds, Python microseconds, Go and Java
nanoseconds) without rounding; rounding would merge distinct events into one
"duplicate".

Accepted input is RFC 3339: date, ``T``, time with seconds, 0-9 fractional
digits, then ``Z`` or a ``+HH:MM``/``+HHMM`` offset. A timestamp without a
time zone is ambiguous and is rejected, as are leap seconds (``:60``), dates
that do not exist, more than nine fractional digits and instants outside
years 0001-9999 once in UTC.
"""

from __future__ import annotations

import datetime
import re

__all__ = ["NANOS_PER_SECOND", "canonical_timestamp", "canonical_timestamp_or_none", "format_instant"]

#: Unit of the clock the processor reads (``time.time_ns``).
NANOS_PER_SECOND = 1_000_000_000

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:[Zz]|([+-])(\d{2}):?(\d{2}))",
    re.ASCII,
)
_EPOCH = datetime.datetime(1970, 1, 1)
# The shortest text the pattern accepts: "2025-10-13T10:30:00Z".
_SHORTEST = 20
_QUOTED_CHARS = 80


def canonical_timestamp(text: str) -> str:
    """Return the canonical UTC form of an RFC 3339 timestamp; raise ``ValueError`` saying why not.

    Example::

        canonical_timestamp("2025-10-13T12:30:00.5+02:00")  # '2025-10-13T10:30:00.500000000Z'
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        shown = text if len(text) <= _QUOTED_CHARS else text[:_QUOTED_CHARS] + "..."
        raise ValueError(
            f"{shown!r} is not an RFC 3339 timestamp with seconds and a time zone,"
            " e.g. 2025-10-13T10:30:00Z or 2025-10-13T12:30:00.123+02:00"
        )
    year, month, day, hour, minute, second, fraction, sign, offset_hours, offset_minutes = match.groups()
    try:
        instant = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError as error:
        raise ValueError(f"{text!r} is not a real date and time ({error})") from None
    if sign is not None:
        if int(offset_hours) > 23 or int(offset_minutes) > 59:
            raise ValueError(f"{text!r} has an impossible UTC offset")
        offset = datetime.timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        try:
            instant = instant - offset if sign == "+" else instant + offset
        except OverflowError:
            raise ValueError(f"{text!r} falls outside years 0001-9999 in UTC") from None
    return f"{instant.isoformat()}.{(fraction or '').ljust(9, '0')}Z"


def canonical_timestamp_or_none(text: str) -> str | None:
    """The canonical form of ``text`` if it is a valid RFC 3339 timestamp, else ``None`` (never raises).

    Cheap on text that is not a timestamp: it looks at three characters before
    trying the pattern.
    """
    if len(text) < _SHORTEST or text[4] != "-" or not text[:1].isdigit():
        return None
    try:
        return canonical_timestamp(text)
    except ValueError:
        return None


def format_instant(epoch_nanoseconds: int) -> str:
    """Format a Unix time in nanoseconds in the canonical timestamp form (for ``received_at`` and error ids)."""
    seconds, nanoseconds = divmod(epoch_nanoseconds, NANOS_PER_SECOND)
    return f"{(_EPOCH + datetime.timedelta(seconds=seconds)).isoformat()}.{nanoseconds:09d}Z"
