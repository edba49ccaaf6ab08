"""``send`` and ``status`` against moto: events reach the queue, health gates the exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shipment_pipeline_constructs.ops.send import MAX_ENTRIES_PER_CALL, generated_entries, put_events

from .conftest import SUFFIX, MotoPipeline, run_cli


def test_send_sample_event_reaches_the_queue(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN the pipeline  WHEN the seed's sample event is sent
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
    # GIVEN the seed's sample-event.json shape, without EventBusName and with Detail as an object
    entries = {
        "Entries": [
            {"Source": "shipment.service", "DetailType": "shipment.created", "Detail": {"shipment_id": "SHP-9"}}
        ]
    }
    path = tmp_path / "sample-event.json"
    path.write_text(json.dumps(entries))
    code, _, _ = run_cli(capsys, "send", "--suffix", SUFFIX, "--file", str(path))
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
    result = put_events(events, generated_entries("bus", 25))
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
    alarm = f"shipment-events-{SUFFIX}-dlq-not-empty"
    cloudwatch = moto_pipeline.cloudwatch
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        MetricName="m",
        Namespace="n",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")
    # WHEN status runs  THEN it exits 1 and says why, in JSON too
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--json")
    status = json.loads(out)
    assert code == 1
    assert status["healthy"] is False
    assert status["dead_letter_queue"]["visible"] == 2
    assert status["target_dead_letter_queue"]["visible"] == 1
    assert status["alarms"] == [{"name": alarm, "state": "ALARM", "reason": "test"}]
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
