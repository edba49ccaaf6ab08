"""``encryption_key``: what it encrypts, every key policy statement it adds, and the default left as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, CfnElement, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template
from stacks import build_stack, synth

from shipment_pipeline_constructs import ShipmentEventPipeline
from shipment_pipeline_constructs.ops.cost import PipelineConfig
from shipment_pipeline_constructs.stages import encryption

ACCOUNT, REGION = "111111111111", "eu-west-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
#: The properties that say how a resource is encrypted at rest.
ENCRYPTION_PROPERTIES = ("SqsManagedSseEnabled", "KmsMasterKeyId", "KmsKeyIdentifier", "KmsKeyId", "SSESpecification")


def arn(tail: str) -> dict:
    """An ARN in this stack's partition, as CloudFormation renders ``Stack.format_arn``."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, tail]]}


def _keyed(stack: Stack) -> ShipmentEventPipeline:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    return ShipmentEventPipeline(stack, "Pipeline", environment_suffix="kms", encryption_key=key)


def _keyed_unnamed(stack: Stack) -> ShipmentEventPipeline:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    return ShipmentEventPipeline(stack, "Pipeline", physical_names=False, encryption_key=key)


def _imported_key(stack: Stack) -> ShipmentEventPipeline:
    key = kms.Key.from_key_arn(stack, "Key", KEY_ARN)
    return ShipmentEventPipeline(stack, "Pipeline", environment_suffix="imported", encryption_key=key)


@pytest.fixture(scope="module")
def keyed():
    return build_stack("encryption-keyed", _keyed)


@pytest.fixture(scope="module")
def keyed_unnamed():
    return build_stack("encryption-keyed-unnamed", _keyed_unnamed)


@pytest.fixture(scope="module")
def imported():
    return build_stack("encryption-imported-key", _imported_key)


def key_statements(stack: Stack, template: Template) -> dict[str, dict]:
    """The key's policy statements by Sid, without the account-root statement CDK writes into every key policy."""
    cfn_key = stack.node.find_child("Key").node.default_child
    assert isinstance(cfn_key, CfnElement)
    key_id = stack.get_logical_id(cfn_key)
    statements = template.to_json()["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
    root = [s for s in statements if "Sid" not in s]
    assert [s["Action"] for s in root] == ["kms:*"] and "AWS" in root[0]["Principal"]
    return {s.pop("Sid"): s for s in statements if "Sid" in s}


def encryption_settings(template: Template) -> dict[str, dict]:
    """Logical id -> its encryption properties, for every resource that holds data at rest (and every key)."""
    kinds = {
        "AWS::SQS::Queue",
        "AWS::DynamoDB::Table",
        "AWS::Events::EventBus",
        "AWS::Events::Archive",
        "AWS::Logs::LogGroup",
        "AWS::SNS::Topic",
    }
    found = {}
    for logical_id, resource in template.to_json()["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] in kinds:
            found[logical_id] = {name: props[name] for name in ENCRYPTION_PROPERTIES if name in props}
        if resource["Type"] == "AWS::KMS::Key":
            found[logical_id] = {"KeyPolicy": props["KeyPolicy"]}
    return found


def test_without_a_key_encryption_is_exactly_as_before(default_template):
    # GIVEN no encryption_key  THEN  SSE-SQS queues, DynamoDB's AWS owned key (no SSESpecification), the bus's and the
    # logs' service keys, an archive without a key, and the alarm topic's own key with its one CloudWatch statement
    topic_key = {"Fn::GetAtt": ["PipelineAlarmTopicKeyFFA133B0", "Arn"]}
    assert encryption_settings(default_template) == {
        "PipelineEventBus6FAF1DE3": {},
        "PipelineArchive82FABB02": {"KmsKeyIdentifier": ""},
        "PipelineDeadLetterQueueF08023D6": {"SqsManagedSseEnabled": True},
        "PipelineQueueC13966F5": {"SqsManagedSseEnabled": True},
        "PipelineQuarantineQueueD22B6F86": {"SqsManagedSseEnabled": True},
        "PipelineTargetDeadLetterQueue88587787": {"SqsManagedSseEnabled": True},
        "PipelineProcessorLogGroupF27E379C": {},
        "PipelineEventsTableCF2EDC92": {},
        "PipelineErrorsTable7374816B": {},
        "PipelineAlarmTopicKeyFFA133B0": {
            "KeyPolicy": {
                "Statement": [
                    {
                        "Action": "kms:*",
                        "Effect": "Allow",
                        "Principal": {"AWS": arn(f":iam::{ACCOUNT}:root")},
                        "Resource": "*",
                    },
                    {
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Resource": "*",
                        "Sid": "AllowCloudWatchAlarmsToPublish",
                    },
                ],
                "Version": "2012-10-17",
            }
        },
        "PipelineAlarmTopicD2AEE5E8": {"KmsMasterKeyId": topic_key},
    }
    # and the role has no KMS permission at all
    assert "kms:" not in json.dumps(default_template.find_resources("AWS::IAM::Policy"))


def test_the_key_encrypts_every_resource_that_holds_data_except_the_target_dlq(keyed):
    stack, pipeline, template = keyed
    key = {"Fn::GetAtt": [stack.get_logical_id(stack.node.find_child("Key").node.default_child), "Arn"]}
    table_sse = {"SSESpecification": {"KMSMasterKeyId": key, "SSEEnabled": True, "SSEType": "KMS"}}
    settings = encryption_settings(template)
    assert {k: v for k, v in settings.items() if "KeyPolicy" not in v} == {
        "PipelineEventBus6FAF1DE3": {"KmsKeyIdentifier": key},
        "PipelineArchive82FABB02": {"KmsKeyIdentifier": key},
        "PipelineDeadLetterQueueF08023D6": {"KmsMasterKeyId": key},
        "PipelineQueueC13966F5": {"KmsMasterKeyId": key},
        "PipelineQuarantineQueueD22B6F86": {"KmsMasterKeyId": key},
        # catches what EventBridge could not deliver, including events a key policy bounced
        "PipelineTargetDeadLetterQueue88587787": {"SqsManagedSseEnabled": True},
        "PipelineProcessorLogGroupF27E379C": {"KmsKeyId": key},
        "PipelineEventsTableCF2EDC92": table_sse,
        "PipelineErrorsTable7374816B": table_sse,
        "PipelineAlarmTopicD2AEE5E8": {"KmsMasterKeyId": key},
    }
    # the alarm topic uses the given key: no second key
    assert list(template.find_resources("AWS::KMS::Key")) == [key["Fn::GetAtt"][0]]
    assert pipeline.node.try_find_child("AlarmTopicKey") is None


def test_every_key_policy_statement_names_its_principal_actions_and_conditions(keyed):
    stack, _, template = keyed
    bus = arn(f":events:{REGION}:{ACCOUNT}:event-bus/shipment-events-kms")
    events_principal = {"Service": "events.amazonaws.com"}
    assert key_statements(stack, template) == {
        encryption.SID_EVENTBRIDGE_DESCRIBE: {
            "Action": "kms:DescribeKey",
            "Effect": "Allow",
            "Principal": events_principal,
            "Resource": "*",
        },
        encryption.SID_EVENTBRIDGE_BUS: {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {
                "StringEquals": {"kms:EncryptionContext:aws:events:event-bus:arn": bus, "aws:SourceArn": bus}
            },
            "Effect": "Allow",
            "Principal": events_principal,
            "Resource": "*",
        },
        encryption.SID_EVENTBRIDGE_ARCHIVE: {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
            "Condition": {"StringEquals": {"kms:EncryptionContext:aws:events:event-bus:arn": bus}},
            "Effect": "Allow",
            "Principal": events_principal,
            "Resource": "*",
        },
        encryption.SID_EVENTBRIDGE_TO_QUEUE: {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnEquals": {
                    "aws:SourceArn": arn(
                        f":events:{REGION}:{ACCOUNT}:rule/shipment-events-kms/shipment-events-to-queue-kms"
                    )
                },
            },
            "Effect": "Allow",
            "Principal": events_principal,
            "Resource": "*",
        },
        encryption.SID_LOGS: {
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:DescribeKey",
            ],
            "Condition": {
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": arn(
                        f":logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/shipment-event-processor-kms"
                    )
                }
            },
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
            "Resource": "*",
        },
        encryption.SID_ALARMS_TO_TOPIC: {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnEquals": {
                    "kms:EncryptionContext:aws:sns:topicArn": arn(f":sns:{REGION}:{ACCOUNT}:shipment-events-kms-alarms")
                },
            },
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Resource": "*",
        },
    }


def test_conditions_name_the_pipelines_resources_by_the_names_they_get(keyed):
    # The ARNs in the key policy are built from names: they must be the names the resources are given.
    _, _, template = keyed
    resources = template.to_json()["Resources"]
    assert resources["PipelineEventBus6FAF1DE3"]["Properties"]["Name"] == "shipment-events-kms"
    assert resources["PipelineRuleE7E0A40A"]["Properties"]["Name"] == "shipment-events-to-queue-kms"
    log_group = resources["PipelineProcessorLogGroupF27E379C"]["Properties"]["LogGroupName"]
    assert log_group == "/aws/lambda/shipment-event-processor-kms"
    assert resources["PipelineAlarmTopicD2AEE5E8"]["Properties"]["TopicName"] == "shipment-events-kms-alarms"


def test_with_names_left_to_cloudformation_conditions_fall_back_to_this_accounts_patterns(keyed_unnamed):
    stack, _, template = keyed_unnamed
    statements = key_statements(stack, template)
    bus_name = template.to_json()["Resources"]["PipelineEventBus6FAF1DE3"]["Properties"]["Name"]
    bus = arn(f":events:{REGION}:{ACCOUNT}:event-bus/{bus_name}")
    # the bus's own name (CDK's unique id of the construct), so bus and archive stay exact
    assert statements[encryption.SID_EVENTBRIDGE_BUS]["Condition"]["StringEquals"]["aws:SourceArn"] == bus
    # the rule, log group and topic are named by CloudFormation: any of that kind in this account and region
    assert statements[encryption.SID_EVENTBRIDGE_TO_QUEUE]["Condition"]["ArnLike"] == {
        "aws:SourceArn": arn(f":events:{REGION}:{ACCOUNT}:rule/{bus_name}/*")
    }
    assert statements[encryption.SID_LOGS]["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": arn(f":logs:{REGION}:{ACCOUNT}:log-group:*")}
    }
    assert statements[encryption.SID_ALARMS_TO_TOPIC]["Condition"]["ArnLike"] == {
        "kms:EncryptionContext:aws:sns:topicArn": arn(f":sns:{REGION}:{ACCOUNT}:*")
    }


STATEFUL = (
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::Events::EventBus",
    "AWS::Events::Archive",
    "AWS::Logs::LogGroup",
    "AWS::SNS::Topic",
)
#: The name properties: a change of name replaces the resource.
NAMES = ("QueueName", "TableName", "Name", "ArchiveName", "LogGroupName", "TopicName")


def test_adding_a_key_to_a_deployed_pipeline_replaces_nothing(keyed):
    # GIVEN the same pipeline without a key  THEN  with it every stateful resource keeps its logical id and name
    # (KMS key properties update in place); only the alarm topic's own key goes
    def stateful(template: Template) -> dict[str, tuple]:
        return {
            logical_id: (resource["Type"], *(resource["Properties"].get(name) for name in NAMES))
            for logical_id, resource in template.to_json()["Resources"].items()
            if resource["Type"] in STATEFUL
        }

    _, _, unkeyed = synth(environment_suffix="kms")
    assert stateful(keyed[2]) == stateful(unkeyed)
    assert list(unkeyed.find_resources("AWS::KMS::Key")) == ["PipelineAlarmTopicKeyFFA133B0"]


def test_eventbridge_may_send_to_the_queue_only_from_the_rule(keyed):
    stack, pipeline, template = keyed
    rule_arn = {"Fn::GetAtt": [stack.get_logical_id(pipeline.rule.node.default_child), "Arn"]}
    policies = template.find_resources(
        "AWS::SQS::QueuePolicy", {"Properties": {"Queues": [{"Ref": "PipelineQueueC13966F5"}]}}
    )
    (policy,) = policies.values()
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Resource": {"Fn::GetAtt": ["PipelineQueueC13966F5", "Arn"]},
        }
    ]
    # and the rule targets the queue itself
    template.has_resource_properties(
        "AWS::Events::Rule", {"Targets": [Match.object_like({"Arn": {"Fn::GetAtt": ["PipelineQueueC13966F5", "Arn"]}})]}
    )


def test_a_key_in_another_stack_leaves_no_dependency_cycle():
    # GIVEN the key in a stack of its own  WHEN  the pipeline's stack uses it  THEN  both synthesize: the key's
    # policy names the pipeline's resources by name, never by a reference that would point back at the pipeline
    app = App()
    env = {"account": ACCOUNT, "region": REGION}
    key_stack = Stack(app, "Keys", env=env)
    key = kms.Key(key_stack, "Key", enable_key_rotation=True)
    pipeline_stack = Stack(app, "Shipments", env=env)
    ShipmentEventPipeline(pipeline_stack, "Pipeline", environment_suffix="split", encryption_key=key)
    assembly = app.synth()
    key_template = json.dumps(assembly.get_stack_by_name("Keys").template)
    assert "Fn::ImportValue" not in key_template and "shipment-events-split" in key_template
    assert pipeline_stack.dependencies == [key_stack]


def test_an_imported_key_gets_the_grants_and_a_warning_per_statement_its_owner_must_add(imported):
    stack, _, template = imported
    # the resources are encrypted with it all the same
    settings = encryption_settings(template)
    assert settings["PipelineQueueC13966F5"] == {"KmsMasterKeyId": KEY_ARN}
    assert settings["PipelineEventBus6FAF1DE3"] == {"KmsKeyIdentifier": KEY_ARN}
    assert not template.find_resources("AWS::KMS::Key")
    # the role's grants are the construct's to make: on the key's ARN, through SQS and DynamoDB only
    kms_statements = [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "kms:" in json.dumps(s["Action"])
    ]
    assert {s["Resource"] for s in kms_statements} == {KEY_ARN}
    assert {s["Condition"]["StringEquals"]["kms:ViaService"] for s in kms_statements} == {
        f"sqs.{REGION}.amazonaws.com",
        f"dynamodb.{REGION}.amazonaws.com",
    }
    # and each key policy statement it could not add is named in a warning
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("key policy cannot be changed"))
    named = sorted(sid for sid in _all_sids() if any(sid in _text(w) for w in warnings))
    assert named == sorted(_all_sids())
    assert len(warnings) == len(_all_sids())
    texts = [_text(w) for w in warnings]
    assert all(" at 0x" not in text for text in texts)
    assert any("(kms:DescribeKey for events.amazonaws.com)" in text for text in texts)


def test_an_archive_on_an_existing_bus_is_encrypted_and_the_bus_left_alone():
    def build(stack: Stack) -> ShipmentEventPipeline:
        return ShipmentEventPipeline(
            stack,
            "Pipeline",
            environment_suffix="shared",
            event_bus=events.EventBus.from_event_bus_name(stack, "TeamBus", "team-bus"),
            encryption_key=kms.Key(stack, "Key", enable_key_rotation=True),
        )

    stack, _, template = build_stack("encryption-existing-bus", build)
    statements = key_statements(stack, template)
    assert encryption.SID_EVENTBRIDGE_BUS not in statements
    assert statements[encryption.SID_EVENTBRIDGE_ARCHIVE]["Condition"] == {
        "StringEquals": {
            "kms:EncryptionContext:aws:events:event-bus:arn": arn(f":events:{REGION}:{ACCOUNT}:event-bus/team-bus")
        }
    }
    assert template.find_resources("AWS::Events::EventBus") == {}


def test_the_cost_model_reads_the_key_from_a_template(keyed, default_template):
    # the given key (in this test stack) replaces the alarm topic's: still one key, and its requests are counted
    keyed_config = PipelineConfig.from_template(keyed[2].to_json())
    assert (keyed_config.customer_managed_key, keyed_config.kms_keys) == (True, 1)
    default_config = PipelineConfig.from_template(default_template.to_json())
    assert (default_config.customer_managed_key, default_config.kms_keys) == (False, 1)


@pytest.mark.parametrize(
    ("bus_name", "rule_name", "expected"),
    [
        ("orders", "to-queue", ("ArnEquals", "rule/orders/to-queue")),
        ("orders", None, ("ArnLike", "rule/orders/*")),
        ("default", "to-queue", ("ArnEquals", "rule/to-queue")),  # the default bus's rules have no bus in their ARN
        (None, "to-queue", ("ArnLike", "rule/*")),  # a bus known only by reference
    ],
)
def test_eventbridge_to_queue_is_as_narrow_as_the_names_known(bus_name, rule_name, expected):
    stack = Stack(App(), "Names", env={"account": ACCOUNT, "region": REGION})
    statement = encryption.eventbridge_sends_to_queue(stack, bus_name=bus_name, rule_name=rule_name)
    conditions = stack.resolve(statement.to_statement_json())["Condition"]
    operator, tail = expected
    assert conditions == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        operator: {"aws:SourceArn": arn(f":events:{REGION}:{ACCOUNT}:{tail}")},
    }


def _all_sids() -> list[str]:
    return [
        encryption.SID_EVENTBRIDGE_DESCRIBE,
        encryption.SID_EVENTBRIDGE_BUS,
        encryption.SID_EVENTBRIDGE_ARCHIVE,
        encryption.SID_EVENTBRIDGE_TO_QUEUE,
        encryption.SID_LOGS,
        encryption.SID_ALARMS_TO_TOPIC,
    ]


def _text(message: Any) -> str:
    return str(message.entry.data)
