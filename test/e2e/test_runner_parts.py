"""The local runner's pure parts, without an emulator: partial batch responses, templates, loads, faults."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shipment_pipeline_constructs.local import FaultInjector, MissingEmulatorError, TemplateError, generate_load
from shipment_pipeline_constructs.local.emulator import Emulator
from shipment_pipeline_constructs.local.permissions import missing_permissions
from shipment_pipeline_constructs.local.poller import _batch_item_failures
from shipment_pipeline_constructs.local.provision import Deployment, resolve
from shipment_pipeline_constructs.local.template import load_pipeline

pytestmark = pytest.mark.slow  # synthesizes an example app or runs the emulator

IDS = ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        # Lambda fails the whole batch on an empty, null or unknown identifier, or a malformed list.
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(IDS)),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, set(IDS)),
        ({"batchItemFailures": [{"itemIdentifier": "other"}]}, set(IDS)),
        ({"batchItemFailures": "m1"}, set(IDS)),
    ],
)
def test_partial_batch_response_is_read_as_lambda_reads_it(response, failed) -> None:
    assert _batch_item_failures(response, IDS) == failed


def test_template_without_a_pipeline_names_every_missing_resource(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}))
    with pytest.raises(TemplateError) as error:
        load_pipeline(template)
    message = str(error.value)
    assert "rule (construct path ending /Rule/Resource)" in message
    assert "event_source" in message and "no aws:cdk:path metadata" in message


def test_intrinsics_resolve_to_the_created_resources() -> None:
    deployment = Deployment(refs={"Queue": "http://q"}, arns={"Queue": "arn:aws:sqs:us-east-1:123456789012:q"})
    assert resolve({"Ref": "Queue"}, deployment) == "http://q"
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}, deployment).endswith(":q")
    assert resolve({"Fn::Join": ["/", [{"Ref": "AWS::Region"}, "x"]]}, deployment) == "us-east-1/x"
    with pytest.raises(TemplateError):
        resolve({"Ref": "Role"}, deployment)


def test_generated_load_holds_what_it_says() -> None:
    load = generate_load(1_000, duplicate_rate=0.1, invalid_rate=0.05, seed=1)
    assert len(load.entries) == 1_000 == load.unique + load.duplicates + load.invalid
    assert 50 < load.duplicates < 150 and 20 < load.invalid < 80
    assert generate_load(50, seed=3).entries == generate_load(50, seed=3).entries
    offsets = [json.loads(e["Detail"])["event_timestamp"] for e in load.entries]
    assert any(ts.endswith("+02:00") for ts in offsets)  # the same instant in another time zone


@pytest.mark.parametrize("rates", [{"transient_failure_rate": 1.0}, {"crash_rate": -0.1}])
def test_fault_rates_must_be_fractions(rates) -> None:
    with pytest.raises(ValueError, match="must be in"):
        FaultInjector(**rates)


def test_a_missing_emulator_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "moto.server", None)
    with pytest.raises(MissingEmulatorError, match=r"shipment-pipeline-constructs\[local\]"):
        Emulator()


def test_the_example_grants_everything_the_local_run_relies_on(template_path: Path) -> None:
    assert missing_permissions(load_pipeline(template_path)) == []


def test_a_missing_grant_is_reported_although_moto_would_not_notice(template_path: Path) -> None:
    # GIVEN the example's template without the function's sqs:SendMessage on the quarantine queue
    template = load_pipeline(template_path)
    for resource in template.resources.values():
        if resource["Type"] == "AWS::IAM::Policy":
            statements = resource["Properties"]["PolicyDocument"]["Statement"]
            statements[:] = [s for s in statements if s["Action"] != "sqs:SendMessage"]

    # THEN the check names the grant
    assert missing_permissions(template) == ["the function's role does not allow sqs:SendMessage on quarantine_queue"]


def test_a_slow_invocation_keeps_its_batch_invisible() -> None:
    # GIVEN a 1 s visibility timeout and a function that runs 2.5 s (a loaded machine)
    import threading
    import time

    import boto3
    from moto import mock_aws

    from shipment_pipeline_constructs.local.poller import LocalEventSourceMapping

    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="slow")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="{}")
        finished = threading.Event()

        def slow(event):
            time.sleep(2.5)
            finished.set()
            return {"batchItemFailures": []}

        mapping = LocalEventSourceMapping(
            sqs=sqs, queue_url=url, queue_arn="arn:aws:sqs:us-east-1:123456789012:slow", invoke=slow,
            max_concurrency=2, visibility_timeout=1,
        )  # fmt: skip
        mapping.start()
        try:
            assert finished.wait(10)
            time.sleep(0.5)
        finally:
            mapping.stop()
    # THEN the other worker never received it meanwhile: one receive, one invocation, deleted after success
    (delivery,) = mapping.ledger.deliveries.values()
    assert delivery.receives == 1
    assert mapping.ledger.invocations == 1
    assert not mapping.errors


def test_an_outage_fails_every_dynamodb_write_of_its_window_only() -> None:
    # GIVEN an outage of 20 s starting 3 s after the start, on a clock the test moves
    from shipment_pipeline_constructs.local.faults import visibility_timeout_for_outage

    now = [100.0]
    faults = FaultInjector(outage_seconds=20, outage_after_seconds=3, clock=lambda: now[0])
    faults.start()
    # THEN DynamoDB is down from 3 s to 23 s, not before, not after
    states = []
    for elapsed in (0, 2.9, 3, 22.9, 23, 60):
        now[0] = 100.0 + elapsed
        states.append(faults.in_outage())
    assert states == [False, False, True, True, False, False]
    # AND the local visibility timeout keeps the outage to at most half of the 5 receives: floor(20 / 11) + 1 = 2
    assert visibility_timeout_for_outage(20, 5) == 11 and visibility_timeout_for_outage(0, 5) == 1
    with pytest.raises(ValueError, match="outage_seconds"):
        FaultInjector(outage_seconds=float("nan"))
