"""Widget layout: one dashboard that reads like the data flow, ingest to store.

Rows, top to bottom: EventBridge, SQS, Lambda, DynamoDB, the processor's own
counts, then the state of every alarm: critical alarms (led by
``PipelineUnhealthy``) in one row, warnings in the next. Titles say what a line means to an
operator, not which API metric it is. Only metrics that apply to this
pipeline appear: no iterator age (an SQS consumer has none), no capacity
utilisation (on-demand tables have no capacity).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from ..shape import ALARM_DEFAULTS, CRITICAL, PARTS, PROCESSOR_METRICS, SEVERITIES, WARNING
from .metrics import PipelineMetricFactory

FULL_WIDTH = 24
HEIGHT = 6


def create_dashboard(
    scope: Construct,
    *,
    metrics: PipelineMetricFactory,
    alarms: Mapping[str, cloudwatch.Alarm],
    dashboard_name: str | None,
    title: str,
    max_concurrency: int | None = None,
    severities: Mapping[str, str] | None = None,
    unhealthy_alarm: cloudwatch.IAlarm | None = None,
) -> cloudwatch.Dashboard:
    """Create the pipeline's dashboard; ``dashboard_name`` ``None`` leaves naming to CloudFormation.

    The alarm rows follow the severities (``severities`` by alarm id, default:
    each alarm's default): critical first, led by ``unhealthy_alarm``, then warning.
    """
    dashboard = cloudwatch.Dashboard(scope, PARTS["dashboard"].construct_id, dashboard_name=dashboard_name)
    dashboard.add_widgets(
        cloudwatch.TextWidget(
            markdown=f"# {title}\nEventBridge rule → SQS queue → processor (Lambda) → DynamoDB. "
            "Each row below is one stage, in the order events flow; 5-minute periods.",
            width=FULL_WIDTH,
            height=2,
        )
    )
    for row in (
        _ingest_row(metrics),
        _buffer_row(metrics),
        _process_row(metrics, max_concurrency),
        _store_row(metrics),
        _processor_row(metrics),
    ):
        dashboard.add_widgets(*row)
    for alarm_row in _alarm_rows(alarms, severities or {}, unhealthy_alarm):
        dashboard.add_widgets(alarm_row)
    return dashboard


#: The title of each severity's alarm row.
ALARM_ROW_TITLES = {
    CRITICAL: "Critical alarms: data at risk or not flowing, page (red: firing; each alarm's description links its runbook)",
    WARNING: "Warning alarms: degraded, every event still kept (red: firing; each alarm's description links its runbook)",
}


def _alarm_rows(
    alarms: Mapping[str, cloudwatch.Alarm],
    severities: Mapping[str, str],
    unhealthy_alarm: cloudwatch.IAlarm | None,
) -> list[cloudwatch.IWidget]:
    """One alarm status row per severity that has alarms, most urgent first."""
    rows: list[cloudwatch.IWidget] = []
    for severity in SEVERITIES:
        members: list[cloudwatch.IAlarm] = [
            alarm
            for alarm_id, alarm in alarms.items()
            if severities.get(alarm_id, ALARM_DEFAULTS[alarm_id].severity) == severity
        ]
        if severity == CRITICAL and unhealthy_alarm is not None:
            members.insert(0, unhealthy_alarm)
        if members:
            rows.append(
                cloudwatch.AlarmStatusWidget(
                    title=ALARM_ROW_TITLES[severity], alarms=members, width=FULL_WIDTH, height=3
                )
            )
    return rows


def _graph(title: str, lines: Sequence[tuple[str, cloudwatch.Metric]], width: int, **props) -> cloudwatch.GraphWidget:
    """A graph of labelled lines: the label is what an operator reads in the legend."""
    left = [metric.with_(label=label) for label, metric in lines]
    return cloudwatch.GraphWidget(title=title, left=left, width=width, height=HEIGHT, **props)


def _ingest_row(metrics: PipelineMetricFactory) -> list[cloudwatch.IWidget]:
    return [
        _graph(
            "1 Ingest: events matched by the rule and delivered to the queue",
            [
                ("Matched by the rule", metrics.matched_events()),
                ("Delivered to the queue", metrics.target_invocations()),
            ],
            8,
        ),
        _graph(
            "1 Ingest: events EventBridge failed to deliver (after retries)",
            [("Failed deliveries", metrics.failed_invocations())],
            8,
        ),
        _graph(
            "1 Ingest: undeliverable events waiting in the target DLQ",
            [("Events in the target DLQ", metrics.target_dead_letter_messages())],
            8,
        ),
    ]


def _buffer_row(metrics: PipelineMetricFactory) -> list[cloudwatch.IWidget]:
    return [
        _graph(
            "2 Queue: messages waiting and being processed",
            [("Waiting", metrics.visible_messages()), ("In flight", metrics.in_flight_messages())],
            6,
        ),
        _graph(
            "2 Queue: age of the oldest waiting message (seconds)",
            [("Oldest message (s)", metrics.oldest_message_age_seconds())],
            6,
        ),
        _graph(
            "2 Queue: messages sent, received (incl. retries), deleted",
            [
                ("Sent", metrics.sent_messages()),
                ("Received", metrics.received_messages()),
                ("Deleted", metrics.deleted_messages()),
            ],
            6,
        ),
        _graph(
            "2 Queue: messages in the DLQ (retries exhausted) and the quarantine queue",
            [
                ("In the DLQ", metrics.dead_letter_messages()),
                ("In the quarantine queue", metrics.quarantine_messages()),
            ],
            6,
        ),
    ]


def _process_row(metrics: PipelineMetricFactory, max_concurrency: int | None) -> list[cloudwatch.IWidget]:
    # The mapping's maximum concurrency is the ceiling the line should stay under.
    ceiling = (
        [cloudwatch.HorizontalAnnotation(value=max_concurrency, label="event source mapping maximum")]
        if isinstance(max_concurrency, int)
        else None
    )
    return [
        _graph(
            "3 Processor: invocations, failed invocations, throttles",
            [
                ("Invocations", metrics.function_invocations()),
                ("Errors", metrics.function_errors()),
                ("Throttles", metrics.function_throttles()),
            ],
            8,
        ),
        _graph(
            "3 Processor: duration per invocation, p50 and p99 (ms)",
            [(p, metrics.function_duration_ms(p)) for p in ("p50", "p99")],
            8,
        ),
        _graph(
            "3 Processor: concurrent executions",
            [("Concurrent executions", metrics.function_concurrent_executions())],
            8,
            left_annotations=ceiling,
        ),
    ]


def _store_row(metrics: PipelineMetricFactory) -> list[cloudwatch.IWidget]:
    tables = metrics.tables()
    return [
        _graph(
            "4 Tables: write capacity units consumed",
            [(label, metrics.consumed_write_units(t)) for label, t in tables],
            6,
        ),
        _graph("4 Tables: throttled writes", [(label, metrics.throttled_writes(t)) for label, t in tables], 6),
        _graph(
            "4 Tables: DynamoDB system errors on writes", [(label, metrics.system_errors(t)) for label, t in tables], 6
        ),
        _graph(
            "4 Tables: write latency, average (ms)", [(label, metrics.write_latency_ms(t)) for label, t in tables], 6
        ),
    ]


def _processor_row(metrics: PipelineMetricFactory) -> list[cloudwatch.IWidget]:
    return [
        _graph(
            "5 Outcomes: events received, stored, duplicates skipped, quarantined, retried, in conflict",
            [(name, metrics.processor(name)) for name in PROCESSOR_METRICS],
            FULL_WIDTH,
        )
    ]
