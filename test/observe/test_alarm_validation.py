"""Invalid alarm, notification and VPC props fail at construction, each problem named (no synthesis)."""

from __future__ import annotations

import pytest
from aws_cdk import aws_ec2 as ec2
from test_validation import problems_of

from shipment_pipeline_constructs import AlarmThreshold, AlarmThresholds


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (AlarmThreshold(-1), ["alarms.dead_letter_messages.value must be >= 0, got -1"]),
        (
            AlarmThreshold(1, period_minutes=0),
            ["alarms.dead_letter_messages.period_minutes must be between 1 and 1440 minutes, got 0"],
        ),
        (
            AlarmThreshold(1, evaluation_periods=0),
            ["alarms.dead_letter_messages.evaluation_periods must be >= 1, got 0"],
        ),
        (
            AlarmThreshold(1, evaluation_periods=3, datapoints_to_alarm=4),
            ["alarms.dead_letter_messages.datapoints_to_alarm must be between 1 and 3, got 4"],
        ),
        (
            AlarmThreshold(1, period_minutes=60, evaluation_periods=25),
            [
                "alarms.dead_letter_messages: period_minutes x evaluation_periods (60 x 25) must be at most 1440 "
                "minutes: CloudWatch evaluates at most one day"
            ],
        ),
    ],
)
def test_alarm_threshold_ranges(threshold, expected):
    assert problems_of(alarms=AlarmThresholds(dead_letter_messages=threshold)) == expected


def test_every_problem_is_reported_at_once():
    problems = problems_of(
        alarms=AlarmThresholds(queue_backlog_messages=AlarmThreshold(-5), function_errors=3),
        alarm_emails=["ops@example.com", "not-an-address"],
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    )
    # types are checked first, so the type problem comes first
    assert problems == [
        "alarms.function_errors must be an AlarmThreshold or None, got 3",
        "alarms.queue_backlog_messages.value must be >= 0, got -5",
        "alarm_emails: 'not-an-address' is not an e-mail address",
        "vpc_subnets places the function in a VPC, but vpc= is not set: pass vpc= as well, or drop vpc_subnets=",
    ]


def test_a_single_address_string_is_not_mistaken_for_a_list():
    assert problems_of(alarm_emails="ops@example.com") == [
        "alarm_emails must be a list of strings, got the string 'ops@example.com'"
    ]


def test_disabled_turns_every_alarm_off():
    assert AlarmThresholds.disabled().enabled() == {}
    assert set(AlarmThresholds().enabled()) == {
        "queue_backlog_messages",
        "oldest_message_age_seconds",
        "oldest_message_near_expiry_seconds",
        "dead_letter_messages",
        "quarantine_messages",
        "target_dead_letter_messages",
        "function_errors",
        "function_throttles",
        "failed_invocations",
        "table_throttled_requests",
        "quarantined_events",
        "conflicts",
    }


def test_default_oldest_message_age_follows_a_long_visibility_timeout():
    # GIVEN a 900 s function timeout: the queue's visibility timeout is 5400 s
    from shipment_pipeline_constructs import AlarmThreshold, AlarmThresholds

    fitted = AlarmThresholds().fitted_to(visibility_timeout_seconds=5400)
    # THEN the default age alarm waits 2.5 visibility timeouts, so one ordinary retry does not page
    assert fitted.oldest_message_age_seconds.value == 13_500
    # AND with the default timeout (360 s) nothing changes, and an explicit threshold is kept as given
    assert AlarmThresholds().fitted_to(visibility_timeout_seconds=360) == AlarmThresholds()
    explicit = AlarmThresholds(oldest_message_age_seconds=AlarmThreshold(600))
    assert explicit.fitted_to(visibility_timeout_seconds=5400) == explicit


def test_default_near_expiry_age_is_a_day_before_the_queues_retention():
    from shipment_pipeline_constructs import AlarmThreshold, AlarmThresholds

    def near_expiry(retention_days: int, thresholds: AlarmThresholds | None = None) -> float:
        fitted = (thresholds or AlarmThresholds()).fitted_to(
            visibility_timeout_seconds=360, retention_seconds=retention_days * 86_400
        )
        threshold = fitted.oldest_message_near_expiry_seconds
        assert threshold is not None
        return threshold.value

    # GIVEN the default 4-day retention THEN 3 days, the default itself; 14 days: 13; 2 days or less: half of it
    assert near_expiry(4) == AlarmThresholds().oldest_message_near_expiry_seconds.value == 3 * 86_400
    assert (near_expiry(14), near_expiry(3), near_expiry(2), near_expiry(1)) == (
        13 * 86_400,
        2 * 86_400,
        86_400,
        43_200,
    )
    # AND an explicit threshold is kept as given
    assert near_expiry(14, AlarmThresholds(oldest_message_near_expiry_seconds=AlarmThreshold(3600))) == 3600
