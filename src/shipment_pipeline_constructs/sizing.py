"""The scaling profiles' figures, as plain data: what :class:`ScalingProfile` and the cost model both read.

:mod:`.scaling` turns each :class:`Sizing` into construct props (and
explains the figures); the ``cost`` command prices them without loading
aws-cdk-lib. This module imports nothing but :mod:`.defaults`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from . import defaults

__all__ = ["SIZINGS", "CapacityRange", "Sizing", "for_events_per_day", "load_label", "named"]


class CapacityRange(NamedTuple):
    """Provisioned capacity bounds and the auto scaling target, in the cost model's order."""

    min_write_units: int
    max_write_units: int
    min_read_units: int
    max_read_units: int
    target_utilization_percent: int


@dataclass(frozen=True)
class Sizing:
    """Settings sized for a load of up to ``events_per_day`` (the fields of :class:`ScalingProfile`)."""

    name: str
    events_per_day: int
    max_concurrency: int
    batch_size: int
    max_batching_window_seconds: int
    provisioned: CapacityRange | None
    backlog_alarm_messages: int
    quarantined_alarm_events: int


# ~0.35 events/s on average; 5 concurrent functions (the default cap) absorb a 10x spike many times over.
SMALL = Sizing(
    name="small",
    events_per_day=30_000,
    max_concurrency=5,
    batch_size=10,
    max_batching_window_seconds=0,
    provisioned=None,
    backlog_alarm_messages=defaults.QUEUE_BACKLOG_MESSAGES,
    quarantined_alarm_events=defaults.QUARANTINED_EVENTS,
)
# ~3.5 events/s; 20 concurrent functions, a 1 s window to batch.
MEDIUM = Sizing(
    name="medium",
    events_per_day=300_000,
    max_concurrency=20,
    batch_size=10,
    max_batching_window_seconds=1,
    provisioned=None,
    backlog_alarm_messages=6_300,
    quarantined_alarm_events=50,
)
# ~35 events/s (350 at a spike); 50 concurrent functions, batches of 100 with a 2 s window.
# The events table stays on demand. A 10x peak of 30 minutes needs ~351 write units a second. Provisioned
# at 50-1,000 WCU with auto scaling at 70%, the table sits at its 50-unit minimum when the peak starts and
# auto scaling grows it only about x1.43 every 5 minutes (2 minutes to trigger, a few more to update): writes
# are throttled for most of the peak, the backlog reaches ~334,000 messages and the oldest message 962 s,
# past the 900 s OldestMessageAge alarm. A write minimum of 176 units avoids every throttle but costs
# $368.17 a month; on demand takes the peak at once (a new on-demand table serves 4,000 write units a
# second, and on-demand keeps double the previous peak) with no alarm, for $341.00 a month against
# $308.86 (figures from `shipment-pipeline plan`, us-east-1 list prices): the cheaper of the two ways to
# keep up, nothing to tune, and the mode the DynamoDB developer guide recommends for most workloads.
LARGE = Sizing(
    name="large",
    events_per_day=3_000_000,
    max_concurrency=50,
    batch_size=100,
    max_batching_window_seconds=2,
    provisioned=None,
    backlog_alarm_messages=63_000,
    quarantined_alarm_events=500,
)

#: Every profile, smallest first.
SIZINGS: tuple[Sizing, ...] = (SMALL, MEDIUM, LARGE)


def load_label(events_per_day: int) -> str:
    """``30000`` -> ``30k``, ``3000000`` -> ``3m``: the load a profile may be named by."""
    if events_per_day % 1_000_000 == 0:
        return f"{events_per_day // 1_000_000}m"
    return f"{events_per_day // 1_000}k"


def named(name: str) -> Sizing:
    """A profile by name or load: ``small``/``30k``, ``medium``/``300k``, ``large``/``3m``."""
    key = name.strip().lower()
    for sizing in SIZINGS:
        if key in (sizing.name, load_label(sizing.events_per_day)):
            return sizing
    choices = ", ".join(f"{sizing.name} ({load_label(sizing.events_per_day)})" for sizing in SIZINGS)
    raise ValueError(f"no scaling profile {name!r}; choose one of {choices}")


def for_events_per_day(events_per_day: int) -> Sizing:
    """The smallest profile sized for at least ``events_per_day`` (the largest beyond it)."""
    if events_per_day <= 0:
        raise ValueError(f"events_per_day must be positive, got {events_per_day}")
    return next((sizing for sizing in SIZINGS if events_per_day <= sizing.events_per_day), SIZINGS[-1])
