"""The alarms the simulation evaluates, and CloudWatch's rule for when one fires and clears.

An alarm looks at one datapoint per period (periods aligned on the start of
the simulation): the maximum, or the sum, of its metric over the period. At
the end of each period it is in ALARM when at least ``datapoints_to_alarm``
of the last ``evaluation_periods`` datapoints are at or above the threshold
(the construct's alarms compare with ``>=``), and OK otherwise. CloudWatch
publishes SQS metrics once a minute and evaluates a little after the period
ends; the model ignores those delays of a minute or two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import defaults
from ..shape import ALARM_ID

__all__ = ["AlarmRule", "AlarmTracker", "default_alarm_rules"]

#: The alarms the simulation evaluates (construct ids, see ``shape.ALARM_IDS``) and the statistic each uses.
SIMULATED_ALARMS = {
    ALARM_ID.queue_backlog: "maximum",
    ALARM_ID.oldest_message_age: "maximum",
    ALARM_ID.dead_letter_messages: "maximum",
    ALARM_ID.table_throttles: "sum",
}


@dataclass(frozen=True)
class AlarmRule:
    """When one alarm fires: ``threshold`` reached in ``datapoints_to_alarm`` of ``evaluation_periods`` periods."""

    threshold: float
    period_seconds: int
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None

    @property
    def needed(self) -> int:
        """Breaching datapoints that put the alarm in ALARM."""
        return self.datapoints_to_alarm or self.evaluation_periods

    def describe(self) -> str:
        """``>= 630 in 3 of 3 periods of 5 min``."""
        period = f"{self.period_seconds / 60:g} min" if self.period_seconds >= 60 else f"{self.period_seconds} s"
        return f">= {self.threshold:g} in {self.needed} of {self.evaluation_periods} periods of {period}"


def default_alarm_rules() -> dict[str, AlarmRule]:
    """The construct's default rules for the simulated alarms (``defaults``)."""
    period = defaults.ALARM_PERIOD_MINUTES * 60
    return {
        ALARM_ID.queue_backlog: AlarmRule(
            defaults.QUEUE_BACKLOG_MESSAGES, period, defaults.QUEUE_BACKLOG_EVALUATION_PERIODS
        ),
        ALARM_ID.oldest_message_age: AlarmRule(defaults.OLDEST_MESSAGE_AGE_SECONDS, period),
        ALARM_ID.dead_letter_messages: AlarmRule(
            defaults.DEAD_LETTER_MESSAGES, defaults.DEAD_LETTER_PERIOD_MINUTES * 60
        ),
        ALARM_ID.table_throttles: AlarmRule(
            defaults.TABLE_THROTTLED_REQUESTS,
            period,
            defaults.TABLE_THROTTLES_EVALUATION_PERIODS,
            defaults.TABLE_THROTTLES_DATAPOINTS_TO_ALARM,
        ),
    }


@dataclass
class AlarmTracker:
    """Evaluates one alarm over the simulation's samples; ``transitions`` lists ``(seconds, "ALARM"|"OK")``."""

    name: str
    rule: AlarmRule
    statistic: str
    transitions: list[tuple[float, str]] = field(default_factory=list)
    _datapoints: list[float] = field(default_factory=list)
    _current: float = 0.0
    _period_end: float = 0.0

    def __post_init__(self) -> None:
        self._period_end = float(self.rule.period_seconds)

    @property
    def in_alarm(self) -> bool:
        """The state after the last evaluated period."""
        return bool(self.transitions) and self.transitions[-1][1] == "ALARM"

    def observe(self, now: float, value: float) -> None:
        """Add the metric's value for the step ending at ``now`` seconds."""
        if self.statistic == "sum":
            self._current += value
        else:
            self._current = max(self._current, value)
        while now >= self._period_end - 1e-9:
            self._close_period()

    def _close_period(self) -> None:
        self._datapoints.append(self._current)
        self._current = 0.0
        recent = self._datapoints[-self.rule.evaluation_periods :]
        breaching = sum(1 for point in recent if point >= self.rule.threshold)
        state = "ALARM" if breaching >= self.rule.needed else "OK"
        if state != ("ALARM" if self.in_alarm else "OK"):
            self.transitions.append((self._period_end, state))
        self._period_end += self.rule.period_seconds

    def first(self, state: str) -> float | None:
        """When the alarm first entered ``state``."""
        return next((time for time, entered in self.transitions if entered == state), None)
