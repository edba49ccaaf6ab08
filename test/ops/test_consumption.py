"""``pause``, ``resume`` and what ``status`` says about consumption, against moto's Lambda event source mappings.

moto applies Enabled at once; the polling (``Disabling`` before ``Disabled``)
and the not-settled path run against a scripted Lambda client.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from shipment_pipeline_constructs.ops.aws import Connection, OperationError
from shipment_pipeline_constructs.ops.consumption import (
    EXPIRY_WARNING_SECONDS,
    ConsumptionStatus,
    find_mapping,
    format_change,
    set_consumption,
)
from shipment_pipeline_constructs.ops.resources import PipelineResources, resources_in_template

from .conftest import REGION, SUFFIX, MotoPipeline, run_cli

FOUR_DAYS = 4 * 24 * 60 * 60


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _function(name: str) -> str:
    iam = boto3.client("iam", region_name=REGION)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="python3.13", Role=role, Handler="app.handler", Code={"ZipFile": _zip()}
    )["FunctionArn"]


@pytest.fixture
def mapped(moto_pipeline: MotoPipeline) -> dict[str, Any]:
    """The pipeline's processor and its event source mapping on the source queue, created disabled.

    Disabled: moto's own mapping invokes the function (in Docker) on every message sent while it is enabled.
    """
    _function(moto_pipeline.names.function)
    queue_arn = moto_pipeline.sqs.get_queue_attributes(QueueUrl=moto_pipeline.queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    client = boto3.client("lambda", region_name=REGION)
    mapping = client.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=moto_pipeline.names.function, BatchSize=10, Enabled=False
    )
    return {"client": client, "uuid": mapping["UUID"], "queue_arn": queue_arn}


def _state(mapped: dict[str, Any]) -> str:
    return mapped["client"].get_event_source_mapping(UUID=mapped["uuid"])["State"]


def test_resume_then_pause_switch_the_mapping_and_confirm_it(mapped, capsys) -> None:
    # GIVEN a paused pipeline  WHEN resume runs  THEN the mapping is Enabled, and the line says so
    code, out, _ = run_cli(capsys, "resume", "--suffix", SUFFIX)
    assert code == 0
    assert _state(mapped) == "Enabled"
    assert out.startswith(f"consumption resumed: event source mapping {mapped['uuid']} (shipment-events-{SUFFIX}")
    assert "is Enabled" in out
    # WHEN pause runs  THEN it is Disabled again
    code, out, _ = run_cli(capsys, "pause", "--suffix", SUFFIX, "--json")
    assert code == 0
    assert _state(mapped) == "Disabled"
    assert json.loads(out) | {"waited_seconds": 0} == {
        "event_source_mapping": mapped["uuid"],
        "function": f"shipment-event-processor-{SUFFIX}",
        "wanted": "Disabled",
        "before": "Enabled",
        "state": "Disabled",
        "changed": True,
        "settled": True,
        "waited_seconds": 0,
    }


def test_pause_when_already_paused_changes_nothing(mapped, capsys) -> None:
    code, out, _ = run_cli(capsys, "pause", "--suffix", SUFFIX)
    assert code == 0
    assert out.startswith("already paused:")
    assert "is Disabled; nothing changed" in out


def test_the_mapping_is_named_explicitly_or_must_be_unique(mapped, moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN a second function reading the same queue
    _function("someone-elses-function")
    mapped["client"].create_event_source_mapping(
        EventSourceArn=mapped["queue_arn"], FunctionName="someone-elses-function", Enabled=False
    )
    resources = PipelineResources(queue=moto_pipeline.queue_url)
    # WHEN only the queue is known  THEN the command refuses to guess, naming both
    with pytest.raises(OperationError, match=r"2 event source mappings read queue .*pick one with"):
        find_mapping(Connection(region=REGION), resources)
    # AND --suffix names the pipeline's function, which picks the right one
    code, _, _ = run_cli(capsys, "resume", "--suffix", SUFFIX)
    assert code == 0 and _state(mapped) == "Enabled"
    # AND --event-source-mapping picks one by UUID
    code, _, _ = run_cli(capsys, "pause", "--queue", moto_pipeline.queue_url, "--event-source-mapping", mapped["uuid"])
    assert code == 0 and _state(mapped) == "Disabled"


def test_no_mapping_is_one_error_line(moto_pipeline: MotoPipeline, capsys) -> None:
    code, out, err = run_cli(capsys, "pause", "--suffix", SUFFIX)
    assert code == 2 and out == ""
    assert err.startswith(f"error: no event source mapping reads queue shipment-events-{SUFFIX} for function ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--timeout", "0"], "argument --timeout: must be a finite number > 0, got '0'"),
        (["--poll-interval", "soon"], "argument --poll-interval: must be a number > 0, got 'soon'"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(capsys, argv, expected) -> None:
    code, _, err = run_cli(capsys, "resume", "--suffix", SUFFIX, *argv)
    assert code == 2
    assert err == f"shipment-pipeline resume: error: {expected} (see shipment-pipeline resume --help)\n"


class _SlowLambda:
    """Lambda applying Enabled asynchronously: ``transitions`` states after the update, then the target."""

    def __init__(self, transitions: list[str], target: str) -> None:
        self.transitions, self.target = list(transitions), target
        self.updates: list[bool] = []

    def _entry(self, state: str) -> dict[str, Any]:
        return {"UUID": "u-1", "State": state, "FunctionArn": "arn:aws:lambda:r:1:function:processor:live"}

    def get_event_source_mapping(self, UUID: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        if not self.updates:
            return self._entry("Enabled" if self.target == "Disabled" else "Disabled")
        return self._entry(self.transitions.pop(0) if self.transitions else self.target)

    def update_event_source_mapping(self, UUID: str, Enabled: bool) -> dict[str, Any]:  # noqa: N803
        self.updates.append(Enabled)
        return self._entry(self.transitions.pop(0))


class _Clients:
    def __init__(self, lambda_client: _SlowLambda) -> None:
        self.lambda_client = lambda_client

    def client(self, service: str) -> Any:
        assert service == "lambda"
        return self.lambda_client


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_pause_polls_until_lambda_reports_disabled() -> None:
    lambda_client, clock = _SlowLambda(["Disabling", "Disabling", "Disabling"], "Disabled"), _Clock()
    change = set_consumption(
        _Clients(lambda_client),  # type: ignore[arg-type]
        PipelineResources(event_source="u-1"),
        enabled=False,
        poll_seconds=2,
        sleep=clock.sleep,
        clock=clock,
    )
    assert lambda_client.updates == [False]
    assert (change.settled, change.after.state, change.waited_seconds) == (True, "Disabled", 6.0)


def test_resume_that_does_not_settle_in_time_reports_the_state_it_saw(capsys) -> None:
    lambda_client, clock = _SlowLambda(["Enabling"] * 100, "Enabled"), _Clock()
    change = set_consumption(
        _Clients(lambda_client),  # type: ignore[arg-type]
        PipelineResources(event_source="u-1"),
        enabled=True,
        timeout_seconds=10,
        poll_seconds=3,
        sleep=clock.sleep,
        clock=clock,
    )
    assert (change.settled, change.after.state, change.waited_seconds) == (False, "Enabling", 10.0)
    assert format_change(change) == (
        "not settled: event source mapping u-1 (processor:live) is still Enabling after 10 s (asked for Enabled); "
        "Lambda is applying it: check with `shipment-pipeline status`"
    )


def _age(moto_pipeline: MotoPipeline, seconds: float) -> None:
    moto_pipeline.cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": moto_pipeline.names.queue}],
                "Timestamp": datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=2),
                "Value": seconds,
            }
        ],
    )


def test_status_shows_paused_the_backlog_and_the_time_left_before_messages_expire(
    mapped, moto_pipeline: MotoPipeline, capsys
) -> None:
    # GIVEN a paused pipeline with 3 messages waiting, the oldest 3 days old, in a queue that keeps them 4 days
    moto_pipeline.sqs.set_queue_attributes(
        QueueUrl=moto_pipeline.queue_url, Attributes={"MessageRetentionPeriod": str(FOUR_DAYS)}
    )
    for body in ("a", "b", "c"):
        moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.queue_url, MessageBody=body)
    _age(moto_pipeline, 3 * 24 * 3600)
    # WHEN status runs
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--max-oldest-age", str(4 * 24 * 3600))
    # THEN it says consumption is paused, shows the backlog and a day left: not yet a warning
    assert code == 0, out
    assert "  source      3 waiting, 0 in flight, 0 delayed" in out
    assert (
        "consumption PAUSED (event source mapping Disabled): messages wait in the queue; `shipment-pipeline resume`"
        in out
    )
    assert "  retention   4 d; the oldest message expires in 1 d" in out
    # WHEN the oldest message has less than a day left  THEN a warning line, and unhealthy
    _age(moto_pipeline, 3 * 24 * 3600 + 2 * 3600)
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--max-oldest-age", str(4 * 24 * 3600))
    assert code == 1
    assert (
        "  ! the oldest message expires in 22 h (queue retention 4 d): consumption is paused: "
        "`shipment-pipeline resume`, or it is lost" in out
    )
    # AND in JSON
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--json")
    consumption = json.loads(out)["consumption"]
    assert consumption == {
        "state": "Disabled",
        "event_source_mapping": mapped["uuid"],
        "note": "",
        "retention_seconds": FOUR_DAYS,
        "oldest_message_age_seconds": 3 * 24 * 3600 + 2 * 3600,
        "paused": True,
        "seconds_until_expiry": 22 * 3600,
    }


def test_status_of_a_running_pipeline_and_of_one_whose_mapping_is_not_found(
    mapped, moto_pipeline: MotoPipeline, capsys
) -> None:
    mapped["client"].update_event_source_mapping(UUID=mapped["uuid"], Enabled=True)
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX)
    assert code == 0, out
    assert "consumption running (event source mapping Enabled)" in out
    assert "  retention   4 d; oldest message age: no data" in out
    # GIVEN a name that matches no mapping  THEN status still shows the rest, and why consumption is unknown
    code, out, _ = run_cli(capsys, "status", "--suffix", SUFFIX, "--function", "not-the-processor")
    assert code == 0
    assert "consumption unknown (no event source mapping reads queue" in out


@pytest.mark.parametrize(
    ("age", "left", "warned"),
    [(None, None, False), (0, FOUR_DAYS, False), (FOUR_DAYS - EXPIRY_WARNING_SECONDS, EXPIRY_WARNING_SECONDS, False)],
)
def test_expiry_warning_starts_under_one_day(age, left, warned) -> None:
    status = ConsumptionStatus("Enabled", "u", "", FOUR_DAYS, age)
    assert status.seconds_until_expiry == left
    assert bool(status.problems()) is warned
    assert ConsumptionStatus("Enabled", "u", "", FOUR_DAYS, FOUR_DAYS - EXPIRY_WARNING_SECONDS + 1).problems()


def test_from_a_stack_the_mapping_is_the_one_in_its_template(mapped, moto_pipeline: MotoPipeline) -> None:
    # GIVEN a deployed stack's template and physical ids: the mapping's physical id is its UUID
    def path(suffix: str) -> dict[str, Any]:
        return {"Metadata": {"aws:cdk:path": f"Shipments/Pipeline/{suffix}"}}

    template = {
        "Resources": {
            "Queue1": {"Type": "AWS::SQS::Queue", **path("Queue/Resource")},
            "Mapping1": {"Type": "AWS::Lambda::EventSourceMapping", **path("QueueEventSource/Resource")},
        }
    }
    found = resources_in_template(template, {"Queue1": moto_pipeline.queue_url, "Mapping1": mapped["uuid"]})
    assert found["event_source"] == mapped["uuid"]
    # WHEN pause runs with what the stack gives  THEN that mapping is disabled, found by UUID, not by queue
    mapped["client"].update_event_source_mapping(UUID=mapped["uuid"], Enabled=True)
    change = set_consumption(Connection(region=REGION), PipelineResources(**found), enabled=False, poll_seconds=0.01)
    assert (change.before.state, change.after.state, _state(mapped)) == ("Enabled", "Disabled", "Disabled")


def test_a_mapping_already_on_its_way_is_only_polled() -> None:
    # GIVEN a mapping someone else is already disabling (Lambda refuses updates while it is in transition)
    lambda_client, clock = _SlowLambda(["Disabling", "Disabling"], "Disabled"), _Clock()
    lambda_client.updates.append(False)  # the earlier pause, not ours
    change = set_consumption(
        _Clients(lambda_client),  # type: ignore[arg-type]
        PipelineResources(event_source="u-1"),
        enabled=False,
        poll_seconds=1,
        sleep=clock.sleep,
        clock=clock,
    )
    # THEN no second update, and the state Lambda reaches is reported
    assert lambda_client.updates == [False]
    assert (change.before.state, change.after.state, change.settled, change.changed) == (
        "Disabling",
        "Disabled",
        True,
        True,
    )
