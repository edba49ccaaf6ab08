"""Construct ids are public contract: they decide logical ids, and a changed
logical id makes CloudFormation replace the resource (a new, empty table).

If this test fails after a refactor, the refactor would replace users'
stateful resources on their next deploy: keep the old ids instead. The same holds
for the properties CloudFormation cannot change in place (a queue's or a table's
name, a table's key schema...): ``stateful_snapshot.json`` pins them, per
configuration (see ``stateful.py``).
"""

from __future__ import annotations

import json

import stateful

PINNED = {
    "PipelineEventBus6FAF1DE3": "AWS::Events::EventBus",
    "PipelineArchive82FABB02": "AWS::Events::Archive",
    "PipelineQueueC13966F5": "AWS::SQS::Queue",
    "PipelineDeadLetterQueueF08023D6": "AWS::SQS::Queue",
    "PipelineTargetDeadLetterQueue88587787": "AWS::SQS::Queue",
    # Added with the quarantine queue; pinned from its first release like the others.
    "PipelineQuarantineQueueD22B6F86": "AWS::SQS::Queue",
    "PipelineEventsTableCF2EDC92": "AWS::DynamoDB::Table",
    "PipelineErrorsTable7374816B": "AWS::DynamoDB::Table",
    "PipelineProcessorLogGroupF27E379C": "AWS::Logs::LogGroup",
}


def test_stateful_resources_keep_their_logical_ids(default_template):
    resources = default_template.to_json()["Resources"]
    assert {logical_id: resources.get(logical_id, {}).get("Type") for logical_id in PINNED} == PINNED


def test_upgrading_from_the_snapshot_replaces_no_stateful_resource():
    """Logical IDs and replacement-causing properties match test/stateful_snapshot.json in every configuration.

    The snapshot was taken from the released defaults. A failure names the configuration, the resource
    and the property: keep the old value (or the old construct id), unless the break is deliberate;
    then `python tools/snapshot_stateful.py` rewrites the snapshot and the changelog must say so.
    """
    snapshot = stateful.load()
    assert set(snapshot) == set(stateful.CONFIGURATIONS)
    problems = [
        problem
        for configuration, template in stateful.CONFIGURATIONS.items()
        for problem in stateful.replacements(
            snapshot[configuration], stateful.stateful_resources(template().to_json()), configuration
        )
    ]
    assert problems == []


def test_the_snapshot_covers_every_kind_of_stateful_resource_the_pipeline_creates():
    # A check that compared nothing would pass forever: the default configuration alone pins the bus, its
    # archive, the four queues, both tables, the log group, the alarm topic and its key.
    kinds = sorted(resource["Type"] for resource in stateful.load()["default"].values())
    assert kinds == [
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::Table",
        "AWS::Events::Archive",
        "AWS::Events::EventBus",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::SNS::Topic",
        "AWS::SQS::Queue",
        "AWS::SQS::Queue",
        "AWS::SQS::Queue",
        "AWS::SQS::Queue",
    ]
    assert set(PINNED) <= set(stateful.load()["default"])


def test_a_renamed_queue_or_a_changed_table_key_is_reported_by_resource_and_property():
    before = stateful.load()["default"]
    after = json.loads(json.dumps(before))
    after["PipelineQueueC13966F5"]["Properties"]["QueueName"] = "renamed"
    after["PipelineEventsTableCF2EDC92"]["Properties"]["KeySchema"][1]["AttributeName"] = "received_at"
    del after["PipelineErrorsTable7374816B"]
    after["PipelineEventBus6FAF1DE3"]["Properties"]["EventSourceName"] = "aws.partner/x"
    problems = stateful.replacements(before, after, "default")
    assert [problem.split(": ")[1] for problem in problems] == [
        "PipelineErrorsTable7374816B (AWS::DynamoDB::Table) is gone",
        "PipelineEventBus6FAF1DE3 (AWS::Events::EventBus) property EventSourceName",
        "PipelineEventsTableCF2EDC92 (AWS::DynamoDB::Table) property KeySchema",
        "PipelineQueueC13966F5 (AWS::SQS::Queue) property QueueName",
    ]
    assert problems[3] == (
        'default: PipelineQueueC13966F5 (AWS::SQS::Queue) property QueueName: "shipment-events-test" -> "renamed" '
        "replaces it"
    )
