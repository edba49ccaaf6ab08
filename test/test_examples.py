"""Every example app synthesizes, and the demo's summary describes what it creates."""

from __future__ import annotations

from pathlib import Path

import pytest
from stacks import example_names, synth_example

from shipment_pipeline_constructs.cli.template_summary import describe_template

pytestmark = pytest.mark.slow  # synthesizes an example app or runs the emulator


@pytest.mark.parametrize("name", example_names())
def test_example_synthesizes_at_least_one_pipeline_stack(name):
    _, assembly = synth_example(name)
    templates = [stack.template for stack in assembly.stacks]
    assert templates
    for template in templates:
        types = {resource["Type"] for resource in template["Resources"].values()}
        assert {"AWS::SQS::Queue", "AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping"} <= types


def test_basic_example_takes_its_suffix_from_context_and_outputs_what_the_runbook_needs():
    _, assembly = synth_example("basic", environmentSuffix="prod")
    (stack,) = assembly.stacks
    assert stack.stack_name == "ShipmentPipeline-prod"
    assert set(stack.template["Outputs"]) >= {"EventBusName", "QueueUrl", "DeadLetterQueueUrl", "TableName"}


def test_summary_names_resources_settings_and_the_template_file():
    _, assembly = synth_example("basic")
    (stack,) = assembly.stacks
    summary = describe_template(Path(assembly.directory) / stack.template_file)
    assert "3 x AWS::SQS::Queue" in summary
    assert "to the DLQ after 5 receives, SSE-SQS encrypted" in summary
    assert "max concurrency 5, ReportBatchItemFailures" in summary
    assert "archive   retention 7 days" in summary
    assert "keys shipment_id/event_timestamp, PAY_PER_REQUEST, TTL on expires_at, PITR on" in summary
    assert stack.template_file in summary
