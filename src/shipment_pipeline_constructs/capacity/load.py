"""The load to plan for: events a day with a peak, or a CSV of events per minute (or per second).

A :class:`Load` is a list of segments of constant arrival rate followed by
the rate that holds after them; the simulation integrates it over its own
time step, so the load does not depend on the step.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Load", "LoadError", "Segment"]

SECONDS_PER_DAY = 86_400
#: Minutes of baseline load simulated before a peak, so the alarms start from their steady state.
LEAD_MINUTES = 10
_CSV_UNITS = {"minute": 60.0, "second": 1.0}


class LoadError(ValueError):
    """The load is invalid; the message names the option or the CSV line and the fix."""


@dataclass(frozen=True)
class Segment:
    """``seconds`` of arrivals at ``rate`` events a second."""

    seconds: float
    rate: float


@dataclass(frozen=True)
class Load:
    """Arrivals over time: ``segments`` in order, then ``rate_after`` for as long as the simulation runs.

    Attributes:
        segments: Consecutive stretches of constant rate.
        rate_after: Events a second after the last segment (the baseline after a peak; 0 after a CSV).
        events_per_day: The daily volume the load stands for (what the cost model prices).
        peak_start_seconds: When the peak begins (0 for a CSV).
        peak_end_seconds: When the peak ends (the end of the CSV).
        description: One line for the report.
    """

    segments: tuple[Segment, ...]
    rate_after: float
    events_per_day: float
    peak_start_seconds: float
    peak_end_seconds: float
    description: str

    @classmethod
    def peak(cls, events_per_day: float, peak_multiplier: float = 1.0, peak_minutes: float = 0.0) -> Load:
        """``events_per_day`` spread evenly, with ``peak_minutes`` at ``peak_multiplier`` times that rate.

        The peak starts after :data:`LEAD_MINUTES` of baseline; the baseline holds after it.
        """
        _positive("--events-per-day", events_per_day)
        _positive("--peak-multiplier", peak_multiplier)
        if not math.isfinite(peak_minutes) or peak_minutes < 0:
            raise LoadError(f"--peak-minutes must be 0 or more, got {peak_minutes}")
        if peak_multiplier < 1:
            raise LoadError(f"--peak-multiplier must be at least 1 (1 is no peak), got {peak_multiplier}")
        base = events_per_day / SECONDS_PER_DAY
        lead = LEAD_MINUTES * 60.0
        peak = peak_minutes * 60.0
        description = f"{events_per_day:,.0f} events/day ({base:.2f}/s)"
        if peak and peak_multiplier > 1:
            description += f", {peak_multiplier:g}x for {peak_minutes:g} min ({base * peak_multiplier:.2f}/s)"
        return cls(
            segments=(Segment(lead, base), Segment(peak, base * peak_multiplier)),
            rate_after=base,
            events_per_day=events_per_day,
            peak_start_seconds=lead,
            peak_end_seconds=lead + peak,
            description=description,
        )

    @classmethod
    def from_csv(cls, path: Path) -> Load:
        """Events per minute (header ``minute,events``) or per second (``second,events``), one row per interval.

        Rows are consecutive intervals; the first column only labels them. A
        file of one column is events per minute. No events arrive after the
        last row. ``events_per_day`` is the file's average rate over a day.
        """
        try:
            rows = [row for row in csv.reader(Path(path).read_text().splitlines()) if row and any(row)]
        except OSError as error:
            raise LoadError(f"--load-csv: cannot read {path}: {error.strerror or error}") from None
        if not rows:
            raise LoadError(f"--load-csv: {path} is empty; write a header 'minute,events' and one row per minute")
        unit = 60.0
        header = [cell.strip().lower() for cell in rows[0]]
        has_header = not _is_number(header[-1])
        if has_header:
            if header[0] not in _CSV_UNITS:
                raise LoadError(
                    f"--load-csv: {path} line 1: the first column must be 'minute' or 'second', got {rows[0][0]!r}"
                )
            unit = _CSV_UNITS[header[0]]
            rows = rows[1:]
        segments = []
        for number, row in enumerate(rows, start=2 if has_header else 1):
            text = row[-1].strip()
            if not _is_number(text) or not math.isfinite(float(text)) or float(text) < 0:
                raise LoadError(f"--load-csv: {path} line {number}: events must be a number >= 0, got {text!r}")
            segments.append(Segment(unit, float(text) / unit))
        if not segments or not any(segment.rate for segment in segments):
            raise LoadError(f"--load-csv: {path} holds no events")
        duration = sum(segment.seconds for segment in segments)
        total = sum(segment.seconds * segment.rate for segment in segments)
        per_day = total / duration * SECONDS_PER_DAY
        return cls(
            segments=tuple(segments),
            rate_after=0.0,
            events_per_day=per_day,
            peak_start_seconds=0.0,
            peak_end_seconds=duration,
            description=f"{Path(path).name}: {total:,.0f} events in {duration / 60:g} min (peak {cls._max_rate(segments):.2f}/s)",
        )

    @staticmethod
    def _max_rate(segments: list[Segment] | tuple[Segment, ...]) -> float:
        return max(segment.rate for segment in segments)

    @property
    def duration_seconds(self) -> float:
        """Length of the segments (the simulation runs on at :attr:`rate_after` until the queue drains)."""
        return sum(segment.seconds for segment in self.segments)

    @property
    def peak_rate(self) -> float:
        """The highest arrival rate, events a second."""
        return max(self._max_rate(self.segments), self.rate_after)

    @property
    def baseline_rate(self) -> float:
        """The rate outside the peak (the average for a CSV), events a second."""
        return self.events_per_day / SECONDS_PER_DAY

    def arrivals(self, start: float, end: float) -> float:
        """Events arriving in ``[start, end)`` seconds (a fraction: the simulation carries the remainder)."""
        total = 0.0
        begin = 0.0
        for segment in self.segments:
            finish = begin + segment.seconds
            overlap = min(end, finish) - max(start, begin)
            if overlap > 0:
                total += overlap * segment.rate
            begin = finish
        if end > begin:
            total += (end - max(start, begin)) * self.rate_after
        return total


def _positive(option: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise LoadError(f"{option} must be a positive number, got {value}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
