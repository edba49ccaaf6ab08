"""Construct ids are public contract: they decide logical ids, and a changed
logical id makes CloudFormation replace the resource (a new, empty table).

If this test fails after a refactor, the refactor would replace users'
stateful resources on their next deploy: keep the old ids instead.
"""

from __future__ import annotations

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
