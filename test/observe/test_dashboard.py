"""The dashboard: rows along the data flow, titles an operator understands, the right metrics only."""

from __future__ import annotations

import json

import pytest
from stacks import synth

from shipment_pipeline_constructs import AlarmThresholds
from shipment_pipeline_constructs.observe import ALARM_DEFINITIONS


def _placeholder(token: dict) -> str:
    ((function, argument),) = token.items()
    if function == "Ref":
        return f"<{argument}>"
    if function == "Fn::GetAtt":
        return f"<{argument[0]}.{argument[1]}>"
    if function == "Fn::Select":
        return f"<select {argument[0]} of {json.dumps(argument[1])}>".replace('"', "'")
    raise AssertionError(f"unexpected token in the dashboard body: {token}")


def dashboard_body(template) -> dict:
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return json.loads("".join(part if isinstance(part, str) else _placeholder(part) for part in parts))


@pytest.fixture(scope="module")
def widgets(default_template):
    return dashboard_body(default_template)["widgets"]


def metric_widgets(widgets):
    return [widget for widget in widgets if widget["type"] == "metric"]


def lines(widget):
    """(namespace, metric name, dimensions, stat, label) of each line of a graph."""
    result = []
    for line in widget["properties"]["metrics"]:
        *identity, options = line
        namespace, name, *dimensions = identity
        result.append(
            (
                namespace,
                name,
                dict(zip(dimensions[::2], dimensions[1::2], strict=True)),
                options.get("stat", "Average"),
                options["label"],
            )
        )
    return result


def test_dashboard_is_named_after_the_pipeline(default_template):
    default_template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "shipment-events-test"})


def test_rows_follow_the_data_flow_top_to_bottom(widgets):
    stage_of_row = {}
    for widget in metric_widgets(widgets):
        stage_of_row.setdefault(widget["y"], widget["properties"]["title"].split(":")[0])
    assert [stage for _, stage in sorted(stage_of_row.items())] == [
        "1 Ingest",
        "2 Queue",
        "3 Processor",
        "4 Tables",
        "5 Outcomes",
    ]
    assert all(widget["x"] + widget["width"] <= 24 for widget in widgets)


def test_ingest_row_shows_matched_delivered_failed_and_target_dlq_depth(widgets):
    rule = "<select 1 of {'Fn::Split': ['|', {'Ref': 'PipelineRuleE7E0A40A'}]}>"
    dimensions = {"EventBusName": "<PipelineEventBus6FAF1DE3>", "RuleName": rule}
    by_title = {w["properties"]["title"]: lines(w) for w in metric_widgets(widgets)}
    assert by_title["1 Ingest: events matched by the rule and delivered to the queue"] == [
        ("AWS/Events", "MatchedEvents", dimensions, "Sum", "Matched by the rule"),
        ("AWS/Events", "Invocations", dimensions, "Sum", "Delivered to the queue"),
    ]
    assert by_title["1 Ingest: events EventBridge failed to deliver (after retries)"] == [
        ("AWS/Events", "FailedInvocations", dimensions, "Sum", "Failed deliveries")
    ]
    assert by_title["1 Ingest: undeliverable events waiting in the target DLQ"] == [
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "<PipelineTargetDeadLetterQueue88587787.QueueName>"},
            "Maximum",
            "Events in the target DLQ",
        )
    ]


def test_queue_row_shows_depth_in_flight_age_traffic_and_dlq(widgets):
    queue, dlq = "<PipelineQueueC13966F5.QueueName>", "<PipelineDeadLetterQueueF08023D6.QueueName>"
    quarantine = "<PipelineQuarantineQueueD22B6F86.QueueName>"
    got = [line for w in metric_widgets(widgets) if w["properties"]["title"].startswith("2 ") for line in lines(w)]
    assert [(namespace, name, dims["QueueName"], stat) for namespace, name, dims, stat, _ in got] == [
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, "Maximum"),
        ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", queue, "Maximum"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum"),
        ("AWS/SQS", "NumberOfMessagesSent", queue, "Sum"),
        ("AWS/SQS", "NumberOfMessagesReceived", queue, "Sum"),
        ("AWS/SQS", "NumberOfMessagesDeleted", queue, "Sum"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, "Maximum"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", quarantine, "Maximum"),
    ]
    titles = [w["properties"]["title"] for w in metric_widgets(widgets) if w["properties"]["title"].startswith("2 ")]
    assert "2 Queue: age of the oldest waiting message (seconds)" in titles


def test_processor_row_shows_invocations_errors_throttles_percentiles_and_concurrency(widgets):
    function = {"FunctionName": "<PipelineProcessorD7E2B244>"}
    got = [line for w in metric_widgets(widgets) if w["properties"]["title"].startswith("3 ") for line in lines(w)]
    assert [(name, stat) for _, name, _, stat, _ in got] == [
        ("Invocations", "Sum"),
        ("Errors", "Sum"),
        ("Throttles", "Sum"),
        ("Duration", "p50"),
        ("Duration", "p99"),
        ("ConcurrentExecutions", "Maximum"),
    ]
    assert all(namespace == "AWS/Lambda" and dims == function for namespace, _, dims, _, _ in got)
    (concurrency,) = [
        w for w in metric_widgets(widgets) if w["properties"]["title"] == "3 Processor: concurrent executions"
    ]
    assert concurrency["properties"]["annotations"]["horizontal"] == [
        {"label": "event source mapping maximum", "value": 5, "yAxis": "left"}
    ]


def test_table_row_shows_writes_throttles_system_errors_and_latency_of_both_tables(widgets):
    tables = {"events": "<PipelineEventsTableCF2EDC92>", "errors": "<PipelineErrorsTable7374816B>"}
    got = [line for w in metric_widgets(widgets) if w["properties"]["title"].startswith("4 ") for line in lines(w)]
    assert sorted({(name, stat) for _, name, _, stat, _ in got}) == [
        ("ConsumedWriteCapacityUnits", "Sum"),
        ("SuccessfulRequestLatency", "Average"),
        ("SystemErrors", "Sum"),
        ("ThrottledRequests", "Sum"),
    ]
    for namespace, name, dims, _, label in got:
        assert namespace == "AWS/DynamoDB" and dims["TableName"] == tables[label]
        if name != "ConsumedWriteCapacityUnits":
            assert dims["Operation"] == "PutItem"


def test_outcome_row_shows_the_processors_emf_counts(widgets):
    (outcomes,) = [w for w in metric_widgets(widgets) if w["properties"]["title"].startswith("5 ")]
    assert lines(outcomes) == [
        ("ShipmentPipeline", name, {"Pipeline": "shipment-events-test"}, "Sum", name)
        for name in ("Received", "Stored", "Duplicates", "Quarantined", "Retried", "Conflicts")
    ]


def test_no_widget_for_metrics_that_cannot_apply(widgets):
    names = {name for w in metric_widgets(widgets) for _, name, _, _, _ in lines(w)}
    # No iterator age (SQS consumers have none), no capacity or utilisation (on-demand tables).
    assert not names & {
        "IteratorAge",
        "ProvisionedWriteCapacityUnits",
        "ProvisionedReadCapacityUnits",
        "ConsumedReadCapacityUnits",
    }


def test_the_last_rows_show_every_alarm_critical_first_led_by_pipeline_unhealthy(widgets):
    critical, warning = widgets[-2:]
    assert (critical["type"], warning["type"]) == ("alarm", "alarm")
    assert critical["properties"]["title"].startswith("Critical alarms")
    assert warning["properties"]["title"].startswith("Warning alarms")
    assert critical["y"] < warning["y"]
    logical = {
        severity: [alarm.removeprefix("<PipelineAlarms").split(".")[0] for alarm in row["properties"]["alarms"]]
        for severity, row in (("critical", critical), ("warning", warning))
    }
    by_severity = {
        severity: [d.name for d in ALARM_DEFINITIONS if d.default_severity == severity]
        for severity in ("critical", "warning")
    }
    # Logical IDs are the construct ids plus a hash: match each widget entry to its alarm by prefix.
    assert logical["critical"][0].startswith("PipelineUnhealthy")
    for severity, ids in by_severity.items():
        entries = logical[severity][1:] if severity == "critical" else logical[severity]
        assert len(entries) == len(ids)
        assert all(entry.startswith(alarm_id) for entry, alarm_id in zip(entries, ids, strict=True))
    assert all(
        alarm.startswith("<PipelineAlarms") and alarm.endswith(".Arn>")
        for row in (critical, warning)
        for alarm in row["properties"]["alarms"]
    )


def test_dashboard_can_be_turned_off():
    # The same props as the "no alarms" test: one shared synthesis.
    _, pipeline, template = synth(environment_suffix="quiet", alarms=AlarmThresholds.disabled(), dashboard=False)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 0)
    assert pipeline.dashboard is None
