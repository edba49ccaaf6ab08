"""``send`` and ``status`` against moto: events reach the queue, health gates the exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from shipment_pipeline_constructs import shape
from shipment_pipeline_constructs.ops.aws import Connection
from shipment_pipeline_constructs.ops.resources import (
    PipelineResources,
    alarm_names,
    resources_in_template,
)
from shipment_pipeline_constructs.ops.send import MAX_ENTRIES_PER_CALL, generated_entries, put_events
from shipment_pipeline_constructs.ops.status import collect_status

if TYPE_CHECKING:
    from types_boto3_cloudwatch import CloudWatchClient
    from types_boto3_events import EventBridgeClient

from .conftest import REGION, SUFFIX, MotoPipeline, put_alarm, run_cli


def _path(path: str) -> dict[str, str]:
    return {"aws:cdk:path": path}


def test_send_sample_event_reaches_the_queue(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN the pipeline  WHEN the sample event is sent
    code, out, _ = run_cli(capsys, "send", "--suffix", SUFFIX)
    # THEN it went to the pipeline's bus and its rule delivered it
    assert code == 0
    assert out.strip() == f"sent 1 of 1 event(s) to shipment-events-{SUFFIX}"
    (body,) = moto_pipeline.bodies(moto_pipeline.queue_url)
    assert json.loads(body)["detail"]["shipment_id"] == "SHP-12345"


def test_send_generated_and_invalid_events_as_json(moto_pipeline: MotoPipeline, capsys) -> None:
    code, out, _ = run_cli(capsys, "send", "--suffix", SUFFIX, "--count", "23", "--invalid", "2", "--json")
    assert code == 0
    assert json.loads(out) == {"event_bus": f"shipment-events-{SUFFIX}", "sent": 25, "failed_count": 0, "failed": []}
    details = [json.loads(body)["detail"] for body in moto_pipeline.bodies(moto_pipeline.queue_url)]
    assert len(details) == 25
    assert sum("event_timestamp" not in detail for detail in details) == 2
    assert len({(d["shipment_id"], d.get("event_timestamp")) for d in details}) == 25


def test_send_file_in_put_events_form(moto_pipeline: MotoPipeline, capsys, tmp_path: Path) -> None:
    # GIVEN examples/basic/sample-event.json's shape, without EventBusName and with Detail as an object
    detail = {"shipment_id": "SHP-9", "event_timestamp": "2025-10-13T10:30:00Z", "event_type": "created"}
    entries = {"Entries": [{"Source": "shipment.service", "DetailType": "shipment.created", "Detail": detail}]}
    path = tmp_path / "sample-event.json"
    path.write_text(json.dumps(entries))
    code, _, _ = run_cli(capsys, "send", "--suffix", SUFFIX, "--file", str(path))
    assert code == 0
    assert json.loads(moto_pipeline.bodies(moto_pipeline.queue_url)[0])["detail"] == detail


def test_send_checks_events_first_and_sends_an_invalid_one_only_when_told(
    moto_pipeline: MotoPipeline, capsys, tmp_path: Path
) -> None:
    # GIVEN an event without its timestamp and type, and no deployed function to read the contract from
    entries = {
        "Entries": [
            {"Source": "shipment.service", "DetailType": "shipment.created", "Detail": {"shipment_id": "SHP-9"}}
        ]
    }
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(entries))
    # WHEN it is sent THEN it is refused, with the processor's reason, and nothing reaches the queue
    code, out, err = run_cli(capsys, "send", "--suffix", SUFFIX, "--file", str(path))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"note: function shipment-event-processor-{SUFFIX} not found: events are checked against the default "
        "contract (pass --app or --cdk-out to check against your app's)",
        "entry 0: missing_field: event_type is missing; event_timestamp is missing",
        "error: nothing sent: 1 of 1 event(s) would be quarantined by the pipeline; fix them, or pass "
        "--no-validate to send anyway",
    ]
    assert moto_pipeline.depth(moto_pipeline.queue_url) == 0
    # WHEN it is sent with --no-validate THEN it goes out as it is (to test quarantine)
    code, _, _ = run_cli(capsys, "send", "--suffix", SUFFIX, "--file", str(path), "--no-validate")
    assert code == 0
    assert json.loads(moto_pipeline.bodies(moto_pipeline.queue_url)[0])["detail"] == {"shipment_id": "SHP-9"}


class _FailingEvents:
    """PutEvents that fails every third entry, as the service reports partial failures."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls.append(len(Entries))
        offset = sum(self.calls[:-1])
        return {
            "Entries": [
                {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
                if (offset + i) % 3 == 0
                else {"EventId": "x"}
                for i in range(len(Entries))
            ]
        }


def test_put_events_batches_by_ten_and_reports_each_failed_entry() -> None:
    events = _FailingEvents()
    result = put_events(cast("EventBridgeClient", events), generated_entries("bus", 25))  # a stand-in
    assert events.calls == [MAX_ENTRIES_PER_CALL, MAX_ENTRIES_PER_CALL, 5]
    assert [failure["index"] for failure in result.failed] == [0, 3, 6, 9, 12, 15, 18, 21, 24]
    assert result.sent == 16
    assert result.failed[0]["error_code"] == "ThrottlingException"


def test_status_healthy_pipeline_exits_zero(moto_pipeline: MotoPipeline, capsys) -> None:
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX)
    assert code == 0
    assert out.startswith(f"pipeline shipment-events-{SUFFIX}: HEALTHY")


def test_status_unhealthy_with_dlq_messages_and_alarm(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN two messages in the DLQ, one in the target DLQ, and an alarm of the pipeline in ALARM
    for body in ("a", "b"):
        moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody=body)
    moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.target_dlq_url, MessageBody="c")
    alarm = f"shipment-events-{SUFFIX}-dead-letter-messages"
    moto_pipeline.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")
    # WHEN status runs  THEN it exits 1 and says why, in JSON too
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--json")
    status = json.loads(out)
    assert code == 1
    assert status["healthy"] is False
    assert status["dead_letter_queue"]["visible"] == 2
    assert status["target_dead_letter_queue"]["visible"] == 1
    runbook = "https://shipment-pipeline.github.io/shipment-pipeline-constructs/operate/#dead-letter-messages"
    assert [a for a in status["alarms"] if a["state"] == "ALARM"] == [
        {"name": alarm, "state": "ALARM", "reason": "test", "severity": "critical", "runbook": runbook}
    ]
    assert (
        len(status["alarms"]) == len(status["expected_alarms"]) == len(shape.ALARM_IDS)
        and status["missing_alarms"] == []
    )
    assert [problem.split(" ")[0] for problem in status["problems"]] == ["alarm", "2", "1"]


def test_status_unhealthy_when_the_oldest_message_is_too_old(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN SQS reporting a 20-minute-old message (the metric is CloudWatch's, not a queue attribute)
    import datetime

    moto_pipeline.cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": moto_pipeline.names.queue}],
                "Timestamp": datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=2),
                "Value": 1200,
            }
        ],
    )
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX)
    assert code == 1
    assert "oldest message is 1200 s old (limit 900 s)" in out
    # AND a looser limit makes it healthy again
    assert run_cli(capsys, "status", "--suffix", SUFFIX, "--max-oldest-age", "1800")[0] == 0


def test_status_suffix_ignores_alarms_of_a_pipeline_whose_suffix_extends_it(
    moto_pipeline: MotoPipeline, capsys
) -> None:
    # GIVEN another pipeline, suffix "ops-eu", whose alarm fires: its name starts with this pipeline's name
    put_alarm(moto_pipeline.cloudwatch, f"shipment-events-{SUFFIX}-eu-queue-backlog", "ALARM")
    # WHEN status runs for suffix "ops"  THEN that alarm is not this pipeline's
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--json")
    status = json.loads(out)
    assert code == 0, status["problems"]
    assert all("-eu-" not in alarm["name"] for alarm in status["alarms"])
    assert [alarm["name"] for alarm in status["alarms"]] == list(alarm_names(f"shipment-events-{SUFFIX}"))


def test_status_reports_expected_alarms_that_are_not_found(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN a pipeline whose alarms are not where the construct names them (e.g. named by CloudFormation)
    missing = f"shipment-events-{SUFFIX}-queue-backlog"
    moto_pipeline.cloudwatch.delete_alarms(AlarmNames=[missing])
    # WHEN status runs  THEN it is not HEALTHY, and says which alarm it could not find
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX)
    assert code == 1
    assert out.startswith(f"pipeline shipment-events-{SUFFIX}: UNHEALTHY")
    assert f"1 of the pipeline's {len(shape.ALARM_IDS)} alarm(s) not found ({missing})" in out
    assert f"NOT FOUND         {missing}" in out


def test_status_no_alarms_says_the_pipeline_has_none(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN a pipeline deployed with AlarmThresholds.disabled(): no alarms at all
    moto_pipeline.cloudwatch.delete_alarms(AlarmNames=list(alarm_names(f"shipment-events-{SUFFIX}")))
    assert run_cli(capsys, "status", "--suffix", SUFFIX)[0] == 1
    # WHEN the operator says so  THEN missing alarms are expected, and the output says alarms are off
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--no-alarms")
    assert code == 0
    assert "alarms  off (the pipeline was deployed without alarms)" in out
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--no-alarms", "--json")
    assert (json.loads(out)["expected_alarms"], json.loads(out)["missing_alarms"]) == ([], [])


def test_status_explicit_alarm_names_replace_the_suffix_ones(moto_pipeline: MotoPipeline, capsys) -> None:
    put_alarm(moto_pipeline.cloudwatch, "team-paging-alarm", "ALARM")
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--alarm", "team-paging-alarm", "--json")
    status = json.loads(out)
    assert code == 1
    # An alarm the construct did not describe has no severity or runbook to show
    assert status["alarms"] == [
        {"name": "team-paging-alarm", "state": "ALARM", "reason": "test", "severity": None, "runbook": None}
    ]
    assert status["problems"] == ["alarm team-paging-alarm is in ALARM"]
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--alarm", "team-paging-alarm")
    assert "team-paging-alarm  (severity and runbook unknown: not in its description)" in out


def test_status_prints_severity_and_runbook_of_each_alarm_in_alarm_critical_first(
    moto_pipeline: MotoPipeline, capsys
) -> None:
    # GIVEN a warning and a critical alarm of the pipeline in ALARM (the warning earlier in the catalogue)
    docs = "https://shipment-pipeline.github.io/shipment-pipeline-constructs/operate/"
    for alarm_id in ("QueueBacklog", "FunctionErrors"):
        moto_pipeline.cloudwatch.set_alarm_state(
            AlarmName=shape.alarm_name(f"shipment-events-{SUFFIX}", alarm_id), StateValue="ALARM", StateReason="test"
        )
    # WHEN status runs
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX)
    # THEN each alarm in ALARM shows its severity and runbook link; alarms that are OK show their state only
    assert code == 1
    assert f"shipment-events-{SUFFIX}-queue-backlog  warning, runbook {docs}#queue-backlog" in out
    assert f"shipment-events-{SUFFIX}-function-errors  critical, runbook {docs}#function-errors" in out
    assert f"  OK                shipment-events-{SUFFIX}-conflicts\n" in out
    # AND the problems list the critical alarm first, with its runbook
    problems = [line for line in out.splitlines() if line.startswith("  ! alarm")]
    assert problems == [
        f"  ! alarm shipment-events-{SUFFIX}-function-errors is in ALARM (critical: runbook {docs}#function-errors)",
        f"  ! alarm shipment-events-{SUFFIX}-queue-backlog is in ALARM (warning: runbook {docs}#queue-backlog)",
    ]


def test_status_with_a_stack_finds_alarms_cloudformation_named(moto_pipeline: MotoPipeline) -> None:
    # GIVEN a stack deployed with physical_names=False: the alarms' names are CloudFormation's, known
    # only from the stack's resources (construct path .../Alarms/<Name>/Resource -> physical id)
    generated = "Orders-PipelineAlarmsDeadLetterMessages1A2B3C-4D5E6F7G8H9I"
    put_alarm(moto_pipeline.cloudwatch, generated, "ALARM")
    template = {
        "Resources": {
            "Queue1": {"Type": "AWS::SQS::Queue", "Metadata": _path("Orders/Pipeline/Queue/Resource")},
            "Dlq1": {"Type": "AWS::SQS::Queue", "Metadata": _path("Orders/Pipeline/DeadLetterQueue/Resource")},
            "Fn1": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Environment": {"Variables": {"PIPELINE_NAME": f"shipment-events-{SUFFIX}"}}},
                "Metadata": _path("Orders/Pipeline/Processor/Resource"),
            },
            "Alarm1": {
                "Type": "AWS::CloudWatch::Alarm",
                "Metadata": _path("Orders/Pipeline/Alarms/DeadLetterMessages/Resource"),
            },
            "OtherAlarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Metadata": _path("Orders/Other/Alarms/QueueBacklog/Resource"),
            },
        }
    }
    ids = {"Queue1": moto_pipeline.queue_url, "Dlq1": moto_pipeline.dlq_url, "Fn1": "fn", "Alarm1": generated}
    found = resources_in_template(template, ids)
    assert found["alarms"] == (generated,)
    # WHEN status reads them  THEN the firing alarm makes the pipeline unhealthy (a prefix finds nothing here)
    status = collect_status(Connection(region=REGION), PipelineResources(**found))
    assert status.problems == [f"alarm {generated} is in ALARM"]
    # AND a stack without alarms (deployed with alarms off) expects none
    del template["Resources"]["Alarm1"]
    off = collect_status(Connection(region=REGION), PipelineResources(**resources_in_template(template, ids)))
    assert (off.expected_alarms, off.healthy) == ([], True)


class _RecordingCloudWatch:
    """DescribeAlarms that answers every name and records the names asked per call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def get_paginator(self, operation: str) -> Any:
        assert operation == "describe_alarms"
        return self

    def paginate(self, AlarmNames: list[str], **_: Any) -> list[dict[str, Any]]:  # noqa: N803 - boto3's name
        assert len(AlarmNames) <= 100, "DescribeAlarms takes at most 100 names"
        self.calls.append(AlarmNames)
        return [{"MetricAlarms": [{"AlarmName": name, "StateValue": "OK"} for name in AlarmNames]}]


def test_alarm_lookup_asks_for_at_most_100_names_per_call() -> None:
    from shipment_pipeline_constructs.ops.status import _alarms

    cloudwatch = _RecordingCloudWatch()
    names = [f"alarm-{i:03d}" for i in range(230)]
    found, missing = _alarms(cast("CloudWatchClient", cloudwatch), names)  # a stand-in
    assert [len(call) for call in cloudwatch.calls] == [100, 100, 30]
    assert [alarm["name"] for alarm in found] == names and missing == []


def test_alarm_names_follow_the_construct_catalogue() -> None:
    from shipment_pipeline_constructs.observe.alarms import ALARM_DEFINITIONS

    assert shape.ALARM_IDS == tuple(definition.name for definition in ALARM_DEFINITIONS)
    assert alarm_names("shipment-events-prod")[:2] == (
        "shipment-events-prod-queue-backlog",
        "shipment-events-prod-oldest-message-age",
    )
