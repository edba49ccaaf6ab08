"""The local run resolves a template's CloudFormation parameters as a deploy would: the value passed, else the Default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipment_pipeline_constructs.local.parameters import ParameterError, apply_parameters
from shipment_pipeline_constructs.local.template import TemplateError, load_pipeline
from shipment_pipeline_constructs.naming import MAX_SUFFIX_LENGTH, SUFFIX_PATTERN

SUFFIX = {
    "Type": "String",
    "Default": "dev",
    "AllowedPattern": SUFFIX_PATTERN.pattern,
    "MaxLength": MAX_SUFFIX_LENGTH,
}


def joined(prefix: str, *rest: str) -> dict:
    return {"Fn::Join": ["", [prefix, {"Ref": "EnvironmentSuffix"}, *rest]]}


def template(**parameters: dict) -> dict:
    return {
        "Parameters": parameters,
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": joined("shipment-events-")}},
            "Alarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": joined("shipment-events-", "-backlog"),
                    "Dimensions": [{"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}],
                },
            },
        },
    }


def test_the_default_replaces_each_ref_and_literal_joins_fold_into_strings() -> None:
    resolved = apply_parameters(template(EnvironmentSuffix=SUFFIX))
    assert resolved["Resources"]["Queue"]["Properties"]["QueueName"] == "shipment-events-dev"
    assert resolved["Resources"]["Alarm"]["Properties"]["AlarmName"] == "shipment-events-dev-backlog"
    # What does not depend on a parameter is left for the runner to resolve.
    assert resolved["Resources"]["Alarm"]["Properties"]["Dimensions"] == [
        {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}
    ]


def test_a_value_passed_wins_over_the_default() -> None:
    resolved = apply_parameters(template(EnvironmentSuffix=SUFFIX), {"EnvironmentSuffix": "prod"})
    assert resolved["Resources"]["Queue"]["Properties"]["QueueName"] == "shipment-events-prod"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Prod", "does not match its AllowedPattern"),
        ("a" * (MAX_SUFFIX_LENGTH + 1), f"is longer than its MaxLength {MAX_SUFFIX_LENGTH}"),
        ("-x", "does not match its AllowedPattern"),
    ],
)
def test_a_value_cloudformation_would_reject_is_rejected(value: str, problem: str) -> None:
    with pytest.raises(ParameterError, match=problem):
        apply_parameters(template(EnvironmentSuffix=SUFFIX), {"EnvironmentSuffix": value})


def test_a_parameter_the_template_does_not_declare_is_named_with_those_it_does() -> None:
    with pytest.raises(ParameterError, match="the template has no parameter Suffix; it declares: EnvironmentSuffix"):
        apply_parameters(template(EnvironmentSuffix=SUFFIX), {"Suffix": "prod"})


def test_ssm_parameters_and_parameters_without_default_keep_their_ref() -> None:
    no_default = {"Type": "String"}
    ssm = {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}
    for declaration in (no_default, ssm):
        resolved = apply_parameters(template(EnvironmentSuffix=declaration))
        assert resolved["Resources"]["Queue"]["Properties"]["QueueName"] == joined("shipment-events-")


def test_a_pipeline_named_after_a_parameter_without_default_asks_for_its_value(tmp_path: Path) -> None:
    # GIVEN a template whose pipeline resources (found by construct path) need a parameter with no Default
    roles = ("Rule", "Queue", "DeadLetterQueue", "EventsTable", "ErrorsTable", "Processor", "QueueEventSource")
    resources = {
        role: {
            "Type": "AWS::Test::Resource",
            "Metadata": {"aws:cdk:path": f"Stack/Pipeline/{role}/Resource"},
            "Properties": {"Name": joined(f"{role.lower()}-")},
        }
        for role in roles
    }
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps({"Parameters": {"EnvironmentSuffix": {"Type": "String"}}, "Resources": resources}))

    # THEN loading it names the option that gives the value
    with pytest.raises(TemplateError, match="pass --parameters EnvironmentSuffix=VALUE"):
        load_pipeline(path)
    # AND with the value it loads, the names resolved
    pipeline = load_pipeline(path, {"EnvironmentSuffix": "qa"})
    assert pipeline.properties("queue")["Name"] == "queue-qa"
