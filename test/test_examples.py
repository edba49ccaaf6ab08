"""Every example app synthesizes, and the demo's summary describes what it creates."""

from __future__ import annotations

from pathlib import Path

import pytest
from stacks import EXAMPLES, example_names, synth_example

from shipment_pipeline_constructs.cli.template_summary import describe_template
from shipment_pipeline_constructs.local.parameters import apply_parameters

#: Examples that ignore ``-c environmentSuffix``, each README saying why.
SUFFIX_FROM_ELSEWHERE = {"multi_env"}
#: The properties that hold a physical name derived from the suffix.
NAME_PROPERTIES = {
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Events::Rule": "Name",
}

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
    assert "4 x AWS::SQS::Queue" in summary  # queue, DLQ, quarantine queue, target DLQ
    assert "to the DLQ after 5 receives, SSE-SQS encrypted" in summary
    assert "max concurrency 5, ReportBatchItemFailures" in summary
    assert "archive   retention 7 days" in summary
    assert "keys shipment_id/event_timestamp, PAY_PER_REQUEST, TTL on expires_at, PITR on" in summary
    assert stack.template_file in summary


@pytest.mark.parametrize("name", sorted(set(example_names()) - SUFFIX_FROM_ELSEWHERE))
def test_example_names_its_resources_after_the_context_suffix(name):
    # "prod", as the basic example's test above: one synthesis for both.
    _, assembly = synth_example(name, environmentSuffix="prod")
    for stack in assembly.stacks:
        # A suffix taken as a CloudFormation parameter defaults to the context's value.
        resources = apply_parameters(stack.template)["Resources"].values()
        names = [
            resource["Properties"][NAME_PROPERTIES[resource["Type"]]]
            for resource in resources
            if resource["Type"] in NAME_PROPERTIES and NAME_PROPERTIES[resource["Type"]] in resource["Properties"]
        ]
        assert len(names) >= 6  # three queues, two tables, the function (and the rule)
        assert all(isinstance(n, str) and n.endswith("-prod") for n in names), names


@pytest.mark.parametrize("name", sorted(SUFFIX_FROM_ELSEWHERE))
def test_example_that_ignores_the_context_suffix_says_why(name):
    assert "ignores `-c environmentSuffix=...` on purpose" in (EXAMPLES / name / "README.md").read_text()
