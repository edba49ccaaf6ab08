"""``replay`` against moto's archive, and finding a pipeline from a stack, a suffix or names."""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest

from shipment_pipeline_constructs.ops.aws import Connection, OperationError
from shipment_pipeline_constructs.ops.replay import replay_name, wait_for_replay
from shipment_pipeline_constructs.ops.resources import PipelineResources, resources_in_template

if TYPE_CHECKING:
    from types_boto3_events import EventBridgeClient

from .conftest import REGION, SUFFIX, MotoPipeline, run_cli


def test_replay_sends_the_window_back_through_the_pipelines_rule_only(moto_pipeline: MotoPipeline, capsys) -> None:
    # GIVEN two archived events that the queue already received
    assert run_cli(capsys, "send", "--suffix", SUFFIX, "--count", "2")[0] == 0
    assert moto_pipeline.depth(moto_pipeline.queue_url) == 2
    # WHEN the last hour is replayed
    code, out, _ = run_cli(capsys, "replay", "--suffix", SUFFIX, "--start", "1h", "--json", "--poll-seconds", "0")
    # THEN the replay completed, was filtered to the rule, and delivered the events again
    summary = json.loads(out)
    assert code == 0
    assert summary["State"] == "COMPLETED"
    replay = moto_pipeline.events.describe_replay(ReplayName=summary["ReplayName"])
    assert replay["Destination"]["FilterArns"] == [moto_pipeline.rule_arn]
    assert moto_pipeline.depth(moto_pipeline.queue_url) == 4


def test_replay_rejects_an_empty_window(moto_pipeline: MotoPipeline, capsys) -> None:
    code, _, err = run_cli(capsys, "replay", "--suffix", SUFFIX, "--start", "1h", "--end", "2h")
    assert code == 2
    assert "the replay window is empty" in err


def test_replay_names_fit_eventbridge() -> None:
    now = datetime.datetime(2025, 10, 13, 10, 30, tzinfo=datetime.timezone.utc)
    assert replay_name("shipment-events-prod", now) == "shipment-events-prod-20251013T103000"
    assert len(replay_name("x" * 80, now)) == 64


class _SlowReplay:
    def __init__(self) -> None:
        self.calls = 0

    def describe_replay(self, ReplayName: str) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
        return {
            "State": "RUNNING" if self.calls < 3 else "COMPLETED",
            "EventStartTime": start,
            "EventEndTime": start + datetime.timedelta(hours=1),
            "EventLastReplayedTime": start + datetime.timedelta(minutes=20 * self.calls),
        }


def test_wait_polls_until_finished_and_times_out() -> None:
    events = _SlowReplay()
    assert wait_for_replay(cast("EventBridgeClient", events), "r", sleep=lambda _: None)["State"] == "COMPLETED"
    assert events.calls == 3
    with pytest.raises(OperationError, match="still RUNNING after 0 s"):
        wait_for_replay(cast("EventBridgeClient", _SlowReplay()), "r", timeout_seconds=0, sleep=lambda _: None)


def _path(path: str) -> dict[str, Any]:
    return {"aws:cdk:path": path}


STACK_TEMPLATE = {
    "Resources": {
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": "orders-queue"},
            "Metadata": _path("Orders/Pipeline/Queue/Resource"),
        },
        "Dlq": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": "orders-dlq"},
            "Metadata": _path("Orders/Pipeline/DeadLetterQueue/Resource"),
        },
        "Errors": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": "orders-errors",
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "error_date", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "error_date", "AttributeType": "S"}],
            },
            "Metadata": _path("Orders/Pipeline/ErrorsTable/Resource"),
        },
    },
    "Outputs": {"EventBusName": {"Value": "team-bus"}},
}


def test_from_stack_reads_resources_by_construct_path_and_outputs(aws_env: None) -> None:
    from moto import mock_aws

    with mock_aws():
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName="Orders", TemplateBody=json.dumps(STACK_TEMPLATE)
        )
        found = PipelineResources.from_stack(Connection(region=REGION), "Orders")
    assert found.queue is not None and found.queue.endswith("/orders-queue")
    assert found.dead_letter_queue is not None and found.dead_letter_queue.endswith("/orders-dlq")
    assert (found.errors_table, found.event_bus, found.archive) == ("orders-errors", "team-bus", None)


def test_unknown_stack_and_missing_names_say_what_to_pass(moto_pipeline: MotoPipeline, capsys) -> None:
    code, _, err = run_cli(capsys, "status", "--stack", "NoSuchStack", "--region", REGION)
    assert code == 2
    assert "Stack with id NoSuchStack does not exist (region us-east-1): check --stack and --region" in err
    code, _, err = run_cli(capsys, "cost", "--events-per-day", "30000", "--stack", "NoSuchStack", "--region", REGION)
    assert code == 2
    assert "Stack with id NoSuchStack does not exist" in err
    code, _, err = run_cli(capsys, "send")
    assert code == 2
    assert "the pipeline's event bus is not known: pass --stack or --suffix, or name it with --bus" in err


def test_queue_in_another_region_is_reported_as_not_found(moto_pipeline: MotoPipeline, capsys) -> None:
    code, _, err = run_cli(capsys, "status", "--suffix", SUFFIX, "--region", "eu-west-1")
    assert code == 2
    assert "(region eu-west-1" in err and "check --region and --stack/--suffix" in err


def test_missing_credentials_are_explained(monkeypatch: pytest.MonkeyPatch, capsys, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run_cli(capsys, "status", "--suffix", SUFFIX, "--region", REGION)
    assert code == 2
    assert err.startswith("error: no AWS credentials found: pass --profile")
    code, _, err = run_cli(capsys, "status", "--suffix", SUFFIX, "--profile", "nope")
    assert code == 2
    assert "check --profile" in err


def test_explicit_names_override_the_suffix(moto_pipeline: MotoPipeline, capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "status",
        "--suffix",
        "other",
        "--queue",
        moto_pipeline.queue_url,
        "--dlq",
        moto_pipeline.names.dead_letter_queue,
        "--target-dlq",
        moto_pipeline.names.target_dead_letter_queue,
        "--errors-table",
        moto_pipeline.names.errors_table,
        "--pipeline-name",
        moto_pipeline.names.pipeline,
        "--json",
    )
    assert code == 0
    assert json.loads(out)["pipeline"]["queue"] == moto_pipeline.queue_url


def test_template_matching_handles_rules_and_several_pipelines() -> None:
    template = {
        "Resources": {
            "Q1": {"Type": "AWS::SQS::Queue", "Metadata": _path("S/A/Queue/Resource")},
            "R1": {"Type": "AWS::Events::Rule", "Metadata": _path("S/A/Rule/Resource")},
            "Q2": {"Type": "AWS::SQS::Queue", "Metadata": _path("S/B/Queue/Resource")},
            "F2": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Environment": {"Variables": {"PIPELINE_NAME": "shipment-events-b"}}},
                "Metadata": _path("S/B/Processor/Resource"),
            },
        }
    }
    ids = {"Q1": "https://q/1", "R1": "bus-a|rule-a", "Q2": "https://q/2", "F2": "fn-b"}
    no_paths = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    with pytest.raises(OperationError, match=r"no construct paths \(deployed with --path-metadata false\?\)"):
        resources_in_template(no_paths, {})
    with pytest.raises(OperationError, match=r"holds 2 pipelines \(S/A, S/B\): pick one with --construct-path"):
        resources_in_template(template, ids)
    assert resources_in_template(template, ids, "S/A")["rule"] == "rule-a"
    found_b = resources_in_template(template, ids, "B")
    assert (found_b["queue"], found_b["function"], found_b["pipeline_name"]) == (
        "https://q/2",
        "fn-b",
        "shipment-events-b",
    )


@pytest.mark.parametrize("command", ["send", "status", "errors", "dlq", "dlq inspect", "dlq redrive", "replay", "cost"])
def test_every_command_has_help_with_an_example(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli(capsys, *command.split(), "--help")
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "example:\n  shipment-pipeline " in out
    if command not in ("dlq",):
        assert "--json" in out and "--region" in out and "--profile" in out and "--endpoint-url" in out


@pytest.mark.slow  # synthesizes an example app
def test_every_role_is_found_in_a_real_synthesized_template() -> None:
    from stacks import synth_example

    _, assembly = synth_example("basic")
    (stack,) = assembly.stacks
    # Without physical ids (as before a deploy), the literal names in the template are used.
    assert resources_in_template(stack.template, {}) == PipelineResources.from_suffix("dev").to_dict()


def test_an_unreachable_region_or_endpoint_is_explained() -> None:
    from botocore.exceptions import EndpointConnectionError

    from shipment_pipeline_constructs.ops.aws import explain

    error = explain(
        EndpointConnectionError(endpoint_url="https://sqs.eu-wst-1.amazonaws.com/"), Connection(region="eu-wst-1")
    )
    assert str(error) == (
        "cannot reach https://sqs.eu-wst-1.amazonaws.com/: check --region (is it a real region?) "
        "and --endpoint-url (is the local emulator running?)"
    )
