"""Producers in other accounts: the bus's resource policy, its validation, and an existing bus left alone."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_events as events
from aws_cdk.assertions import Annotations, Match
from stacks import build_stack, synth

from shipment_pipeline_constructs import IngestOptions, PipelineValidationError, ShipmentEventPipeline
from shipment_pipeline_constructs.compliance import unacknowledged_findings
from shipment_pipeline_constructs.stages.ingest import (
    EXISTING_BUS_WARNING_ID,
    PRODUCER_ACCOUNTS_SID,
    PRODUCER_ORGANIZATION_SID,
)

ACCOUNTS = ("222222222222", "033333333333")
ORGANIZATION = "o-a1b2c3d4e5"
SOURCES = ["acme.shipping", "acme.returns"]


def _root(account: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{account}:root"]]}


@pytest.fixture(scope="module")
def with_producers():
    """Two producer accounts and an organization, with a pattern of two sources."""
    return synth(
        environment_suffix="producers",
        ingest=IngestOptions(
            event_pattern=events.EventPattern(source=SOURCES, detail_type=["shipment.created"]),
            producer_accounts=ACCOUNTS,
            producer_organization_id=ORGANIZATION,
        ),
    )


def bus_policies(template) -> dict[str, dict]:
    """The bus policy statements, by their statement id."""
    return {
        resource["Properties"]["StatementId"]: resource["Properties"]
        for resource in template.find_resources("AWS::Events::EventBusPolicy").values()
    }


def test_no_bus_policy_without_producers(default_template):
    assert bus_policies(default_template) == {}


def test_accounts_may_put_events_on_this_bus_only_with_the_rules_sources(with_producers):
    stack, pipeline, template = with_producers
    bus = stack.get_logical_id(pipeline.event_bus.node.default_child)
    policy = bus_policies(template)[f"cdk-{PRODUCER_ACCOUNTS_SID}"]
    assert policy["EventBusName"] == {"Ref": bus}
    assert policy["Statement"] == {
        "Sid": f"cdk-{PRODUCER_ACCOUNTS_SID}",
        "Effect": "Allow",
        "Principal": {"AWS": [_root(account) for account in ACCOUNTS]},
        "Action": "events:PutEvents",
        "Resource": {"Fn::GetAtt": [bus, "Arn"]},
        "Condition": {
            "ForAllValues:StringEquals": {"events:source": SOURCES},
            "Null": {"events:source": "false"},
        },
    }


def test_the_organization_may_put_events_with_the_same_condition(with_producers):
    stack, pipeline, template = with_producers
    bus = stack.get_logical_id(pipeline.event_bus.node.default_child)
    policy = bus_policies(template)[f"cdk-{PRODUCER_ORGANIZATION_SID}"]
    assert policy["Statement"] == {
        "Sid": f"cdk-{PRODUCER_ORGANIZATION_SID}",
        "Effect": "Allow",
        # Any principal, but only of the organization: aws:PrincipalOrgID is what narrows it.
        "Principal": {"AWS": "*"},
        "Action": "events:PutEvents",
        "Resource": {"Fn::GetAtt": [bus, "Arn"]},
        "Condition": {
            "StringEquals": {"aws:PrincipalOrgID": ORGANIZATION},
            "ForAllValues:StringEquals": {"events:source": SOURCES},
            "Null": {"events:source": "false"},
        },
    }


def test_accounts_alone_give_one_statement_with_the_default_source():
    _, _, template = synth(environment_suffix="oneproducer", ingest=IngestOptions(producer_accounts=["444444444444"]))
    (policy,) = bus_policies(template).values()
    assert policy["Statement"]["Principal"] == {"AWS": _root("444444444444")}
    assert policy["Statement"]["Condition"]["ForAllValues:StringEquals"] == {"events:source": ["shipment.service"]}


def test_the_producer_configuration_has_no_unacknowledged_findings(with_producers):
    assert [str(finding) for finding in unacknowledged_findings(with_producers[0])] == []


def _existing_bus_with_producers(stack: Stack) -> ShipmentEventPipeline:
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="sharedbus",
        event_bus=events.EventBus.from_event_bus_name(stack, "SharedBus", "shared-bus"),
        ingest=IngestOptions(producer_accounts=["222222222222"]),
    )


def test_an_existing_bus_keeps_its_policy_and_the_construct_says_so():
    stack, _, template = build_stack("producers-existing-bus", _existing_bus_with_producers)
    assert bus_policies(template) == {}
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Pipeline",
        Match.string_like_regexp(
            r"ingest\.producer_accounts and ingest\.producer_organization_id are not applied to an existing "
            r"event_bus.*\['shipment\.service'\].*" + EXISTING_BUS_WARNING_ID
        ),
    )


def problems_of(**ingest) -> list[str]:
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(Stack(App(), "Validation"), "Pipeline", ingest=IngestOptions(**ingest))
    return raised.value.problems


@pytest.mark.parametrize(
    ("ingest", "expected"),
    [
        (
            {"producer_accounts": ["22222222222"]},
            "ingest.producer_accounts must hold 12-digit AWS account ids (as strings, leading zeros kept), "
            "got '22222222222'",
        ),
        (
            {"producer_accounts": ["arn:aws:iam::222222222222:root"]},
            "ingest.producer_accounts must hold 12-digit AWS account ids (as strings, leading zeros kept), "
            "got 'arn:aws:iam::222222222222:root'",
        ),
        (
            {"producer_accounts": ["*"]},
            "ingest.producer_accounts must not hold a wildcard ('*' would let any AWS account put events): list "
            "the accounts, or give producer_organization_id for a whole organization",
        ),
        (
            {"producer_accounts": ["222222222222", "222222222222"]},
            "ingest.producer_accounts lists '222222222222' twice: list each account once",
        ),
        (
            {"producer_organization_id": "o-abc"},
            "ingest.producer_organization_id must be an AWS Organizations id: 'o-' and 10-32 lower-case letters "
            "or digits, got 'o-abc'",
        ),
        (
            {"producer_organization_id": "O-ABCDEFGHIJ"},
            "ingest.producer_organization_id must be an AWS Organizations id: 'o-' and 10-32 lower-case letters "
            "or digits, got 'O-ABCDEFGHIJ'",
        ),
        (
            {"producer_accounts": [222222222222]},
            "ingest.producer_accounts must be a list of strings, got [222222222222]",
        ),
        (
            {"producer_accounts": "222222222222"},
            "ingest.producer_accounts must be a list of strings, got the string '222222222222'",
        ),
        (
            {
                "producer_organization_id": "o-abcdefghij",
                "event_pattern": events.EventPattern(detail_type=["shipment.created"]),
            },
            "ingest.producer_accounts and ingest.producer_organization_id need ingest.event_pattern to match on "
            "source: the bus's policy allows other accounts only the sources the rule takes. Add source=[...] "
            "to event_pattern",
        ),
        (
            {
                "producer_accounts": ["222222222222"],
                "event_pattern": events.EventPattern(source=events.Match.prefix("acme.")),
            },
            "ingest.producer_accounts and ingest.producer_organization_id need ingest.event_pattern's sources as "
            "literal strings (the bus's policy allows exactly those): replace events.Match.prefix(...) and other "
            "matchers in source=[...] by the full source names",
        ),
    ],
)
def test_each_bad_producer_setting_is_named(ingest, expected):
    assert problems_of(**ingest) == [expected]


def test_every_producer_problem_is_reported_in_one_error():
    problems = problems_of(
        producer_accounts=["1", "*", "222222222222", "222222222222"],
        producer_organization_id="org",
        event_pattern=events.EventPattern(account=["222222222222"]),
    )
    assert len(problems) == 5, problems
    assert [problem.split(" ")[0] for problem in problems] == [
        "ingest.producer_accounts",
        "ingest.producer_accounts",
        "ingest.producer_accounts",
        "ingest.producer_organization_id",
        "ingest.producer_accounts",
    ]
