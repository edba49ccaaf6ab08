"""When the pipeline's alarms fire: one typed setting per alarm, each of which can be turned off.

The field names of :class:`AlarmThresholds` carry the unit of their
threshold (``oldest_message_age_seconds``); the defaults are derived in
:mod:`shipment_pipeline_constructs.defaults` from the reference scale of 30,000
events a day and documented on the documentation's "Dashboard and alarms" page.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from .. import defaults
from ..validation import Problems, known_ints

# CloudWatch evaluates at most one day of data per alarm.
MAX_EVALUATION_RANGE_MINUTES = 24 * 60


@dataclass(frozen=True)
class AlarmThreshold:
    """When one alarm fires: ``value`` reached in ``datapoints_to_alarm`` of the last ``evaluation_periods`` periods.

    The alarm compares with ``>=``; ``value`` is in the unit named by the
    :class:`AlarmThresholds` field that holds this setting.

    Attributes:
        value: Threshold, at least 0.
        period_minutes: Length of one evaluated period (1-1440 minutes). Default: ``5``.
        evaluation_periods: How many recent periods the alarm looks at (at
            least 1; all of them together at most one day). Default: ``1``.
        datapoints_to_alarm: How many of those periods must breach (1 to
            ``evaluation_periods``). Default: ``None``, meaning all of them.
    """

    value: float
    period_minutes: int = defaults.ALARM_PERIOD_MINUTES
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None

    def collect_problems(self, problems: Problems, prop: str) -> None:
        """Add a problem for every value CloudWatch would reject; ``prop`` names this setting in messages."""
        problems.check_range(f"{prop}.value", self.value, 0)
        problems.check_range(f"{prop}.period_minutes", self.period_minutes, 1, MAX_EVALUATION_RANGE_MINUTES, "minutes")
        problems.check_range(f"{prop}.evaluation_periods", self.evaluation_periods, 1)
        if self.datapoints_to_alarm is not None:
            problems.check_range(f"{prop}.datapoints_to_alarm", self.datapoints_to_alarm, 1, self.evaluation_periods)
        if (
            known_ints(self.period_minutes, self.evaluation_periods)
            and self.period_minutes * self.evaluation_periods > MAX_EVALUATION_RANGE_MINUTES
        ):
            problems.add(
                f"{prop}: period_minutes x evaluation_periods ({self.period_minutes} x {self.evaluation_periods}) "
                f"must be at most {MAX_EVALUATION_RANGE_MINUTES} minutes: CloudWatch evaluates at most one day"
            )


@dataclass(frozen=True)
class AlarmThresholds:
    """The pipeline's alarms; set a field to ``None`` to turn that alarm off.

    Every alarm notifies the pipeline's alarm topic when it fires and when it
    recovers. The documentation's "Dashboard and alarms" page explains each default.

    Attributes:
        queue_backlog_messages: Messages waiting in the source queue (maximum
            over 5 minutes, 3 periods in a row). Default: ``630`` (30 minutes of
            the reference design's 21 events a minute, 30,000 a day).
        oldest_message_age_seconds: Age of the oldest message in the source
            queue. Default: ``900`` (15 minutes; a healthy message waits seconds), or
            2.5 x the queue's visibility timeout when that is longer, so one ordinary
            retry of a long-running function does not page (see :meth:`fitted_to`).
        oldest_message_near_expiry_seconds: Age of the oldest message in the source
            queue at which it is about to expire unread. Default: ``259200`` (3 days:
            one day before the default 4-day retention), or one day before the
            queue's retention, or half of a retention of 2 days or less (see :meth:`fitted_to`).
        dead_letter_messages: Messages in the source queue's DLQ, whose retries
            ran out (maximum over 1 minute). Default: ``1`` (each one is an event
            that was not stored because something is broken).
        quarantine_messages: Quarantined events waiting in the quarantine queue
            (maximum over 5 minutes). Default: ``1`` (each one needs a person's
            decision, but no system is broken: a warning, not a page).
        target_dead_letter_messages: Events in the EventBridge target DLQ
            (maximum over 1 minute). Default: ``1`` (each one never reached the queue).
        function_errors: Failed invocations of the processor in 5 minutes, in
            2 of 3 periods. Default: ``1`` (a single failed batch is retried and heals itself).
        function_throttles: Throttled invocations in 5 minutes. Default: ``1``
            (the event source mapping's maximum concurrency never throttles).
        failed_invocations: Events EventBridge gave up delivering to the queue
            in 5 minutes. Default: ``1``.
        table_throttled_requests: Throttled writes to the events and errors
            tables in 5 minutes, in 2 of 3 periods. Default: ``1``.
        quarantined_events: Invalid events the processor quarantined in 5
            minutes. Default: ``5`` (about 5% of 30,000 events a day, 105 per 5 minutes).
        conflicts: Events the processor found in conflict with a stored event
            (same shipment and timestamp, different content) in 5 minutes.
            Default: ``1`` (two producers disagree about one event: a person
            must decide which is right).
    """

    queue_backlog_messages: AlarmThreshold | None = AlarmThreshold(
        defaults.QUEUE_BACKLOG_MESSAGES, evaluation_periods=defaults.QUEUE_BACKLOG_EVALUATION_PERIODS
    )
    oldest_message_age_seconds: AlarmThreshold | None = AlarmThreshold(defaults.OLDEST_MESSAGE_AGE_SECONDS)
    oldest_message_near_expiry_seconds: AlarmThreshold | None = AlarmThreshold(
        defaults.OLDEST_MESSAGE_NEAR_EXPIRY_SECONDS
    )
    dead_letter_messages: AlarmThreshold | None = AlarmThreshold(
        defaults.DEAD_LETTER_MESSAGES, period_minutes=defaults.DEAD_LETTER_PERIOD_MINUTES
    )
    quarantine_messages: AlarmThreshold | None = AlarmThreshold(defaults.QUARANTINE_MESSAGES)
    target_dead_letter_messages: AlarmThreshold | None = AlarmThreshold(
        defaults.DEAD_LETTER_MESSAGES, period_minutes=defaults.DEAD_LETTER_PERIOD_MINUTES
    )
    function_errors: AlarmThreshold | None = AlarmThreshold(
        defaults.FUNCTION_ERRORS,
        evaluation_periods=defaults.FUNCTION_ERRORS_EVALUATION_PERIODS,
        datapoints_to_alarm=defaults.FUNCTION_ERRORS_DATAPOINTS_TO_ALARM,
    )
    function_throttles: AlarmThreshold | None = AlarmThreshold(defaults.FUNCTION_THROTTLES)
    failed_invocations: AlarmThreshold | None = AlarmThreshold(defaults.FAILED_INVOCATIONS)
    table_throttled_requests: AlarmThreshold | None = AlarmThreshold(
        defaults.TABLE_THROTTLED_REQUESTS,
        evaluation_periods=defaults.TABLE_THROTTLES_EVALUATION_PERIODS,
        datapoints_to_alarm=defaults.TABLE_THROTTLES_DATAPOINTS_TO_ALARM,
    )
    quarantined_events: AlarmThreshold | None = AlarmThreshold(defaults.QUARANTINED_EVENTS)
    conflicts: AlarmThreshold | None = AlarmThreshold(defaults.CONFLICTS)

    def fitted_to(
        self, *, visibility_timeout_seconds: float, retention_seconds: float | None = None
    ) -> AlarmThresholds:
        """These thresholds fitted to the queue: the default age thresholds follow its timeout and retention.

        A message that failed once reappears only after the visibility timeout, so
        an age threshold below about two of them pages on one ordinary retry: the
        default oldest-message age is raised to 2.5 visibility timeouts if that is
        longer. The default near-expiry age is one day before ``retention_seconds``
        (half of it for a retention of 2 days or less). A threshold that was set
        explicitly is kept as given.
        """
        fitted = self
        default = AlarmThresholds().oldest_message_age_seconds
        derived = defaults.OLDEST_MESSAGE_AGE_VISIBILITY_TIMEOUTS * visibility_timeout_seconds
        if self.oldest_message_age_seconds == default and default is not None and derived > default.value:
            fitted = replace(fitted, oldest_message_age_seconds=replace(default, value=derived))
        expiry = AlarmThresholds().oldest_message_near_expiry_seconds
        if retention_seconds is not None and self.oldest_message_near_expiry_seconds == expiry and expiry is not None:
            margin = defaults.MESSAGE_EXPIRY_MARGIN_SECONDS
            near = retention_seconds - margin if retention_seconds > 2 * margin else retention_seconds / 2
            if near != expiry.value:
                fitted = replace(fitted, oldest_message_near_expiry_seconds=replace(expiry, value=near))
        return fitted

    @classmethod
    def disabled(cls) -> AlarmThresholds:
        """No alarms at all (and so no alarm topic), e.g. for a short-lived development stack."""
        return cls(**{field.name: None for field in fields(cls)})

    def enabled(self) -> dict[str, AlarmThreshold]:
        """The alarms that are on, by field name."""
        return {field.name: value for field in fields(self) if (value := getattr(self, field.name)) is not None}

    def collect_problems(self, problems: Problems) -> None:
        """Add a problem for every setting CloudWatch would reject (types are checked before, by the construct)."""
        for name, threshold in self.enabled().items():
            if isinstance(threshold, AlarmThreshold) and not problems.mistyped(f"alarms.{name}"):
                threshold.collect_problems(problems, f"alarms.{name}")
