"""Encryption with the user's KMS key: every key policy statement the pipeline needs, and the role's key grants.

With ``encryption_key`` the stages encrypt what they store with it: the source
queue, its DLQ and the quarantine queue (buffer), both tables (store), the bus
and its archive (ingest), the function's log group (process) and the alarm
topic the construct creates (observe). Each service that uses the key on its
own behalf gets one key policy statement, built here by one function each:
it names the service principal, only the actions the service documents, and
the narrowest conditions that service documents. The processor's role uses
the key through SQS and DynamoDB only (``kms:ViaService``).

Every condition value is a name known at synthesis (a physical name and this
stack's account and region), never an attribute of a pipeline resource: the
key's policy is part of the key, and the queues, tables, bus and log group
refer to the key, so a reference back would be a dependency cycle (and a
cross-stack cycle when the key lives in another stack). Where CloudFormation
chooses a name (``physical_names=False``), the condition falls back to the
pattern of that resource type in this account and region.

A key imported with ``kms.Key.from_key_arn`` cannot take statements: the
construct then adds a warning per statement, and its owner adds them (the
documentation's "Encryption" section lists them).
"""

from __future__ import annotations

from aws_cdk import Annotations, ArnFormat, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

#: The documentation section an imported key's owner reads.
DOCS_SECTION = "the 'Encryption' section of the compliance documentation"

EVENTS_PRINCIPAL = "events.amazonaws.com"
CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"

# Statement ids: one home each (the tests and the docs name them).
SID_EVENTBRIDGE_TO_QUEUE = "EventBridgeSendsToTheQueue"
SID_EVENTBRIDGE_BUS = "EventBridgeEncryptsTheBus"
SID_EVENTBRIDGE_ARCHIVE = "EventBridgeEncryptsTheArchive"
SID_EVENTBRIDGE_DESCRIBE = "EventBridgeChecksTheKey"
SID_LOGS = "CloudWatchLogsEncryptsTheLogGroup"
SID_ALARMS_TO_TOPIC = "CloudWatchAlarmsPublishToTheTopic"


def eventbridge_sends_to_queue(scope: Construct, *, bus_name: str | None, rule_name: str | None) -> iam.PolicyStatement:
    """EventBridge encrypts each event it delivers to the source queue (SQS asks the sender for a data key).

    ``aws:SourceArn`` is the rule's ARN (SQS developer guide, "Configure KMS
    permissions for AWS services"); with a CloudFormation-chosen rule name, any
    rule of the bus, and with a bus whose name is not known, any rule of this account and region.
    """
    if bus_name is None:
        rule_path = "*"  # a bus known only by reference: any rule of this account and region
    elif bus_name == "default":
        rule_path = rule_name or "*"  # rules of the default bus have no bus name in their ARN
    else:
        rule_path = f"{bus_name}/{rule_name or '*'}"
    rule_arn = _arn(scope, "events", "rule", rule_path, ArnFormat.SLASH_RESOURCE_NAME)
    return iam.PolicyStatement(
        sid=SID_EVENTBRIDGE_TO_QUEUE,
        principals=[iam.ServicePrincipal(EVENTS_PRINCIPAL)],
        actions=["kms:GenerateDataKey", "kms:Decrypt"],
        resources=["*"],  # in a key policy, "*" means this key
        conditions={
            "StringEquals": {"aws:SourceAccount": Stack.of(scope).account},
            _arn_operator(rule_arn): {"aws:SourceArn": rule_arn},
        },
    )


def eventbridge_encrypts_bus(bus_arn: str) -> iam.PolicyStatement:
    """EventBridge encrypts the custom events stored on the bus, and the bus's rules.

    Both conditions as the EventBridge user guide gives them ("Encrypting event
    buses"): the encryption context and ``aws:SourceArn`` are the bus's ARN.
    """
    return iam.PolicyStatement(
        sid=SID_EVENTBRIDGE_BUS,
        principals=[iam.ServicePrincipal(EVENTS_PRINCIPAL)],
        actions=["kms:GenerateDataKey", "kms:Decrypt"],
        resources=["*"],
        conditions={
            "StringEquals": {
                "kms:EncryptionContext:aws:events:event-bus:arn": bus_arn,
                "aws:SourceArn": bus_arn,
            }
        },
    )


def eventbridge_encrypts_archive(bus_arn: str) -> iam.PolicyStatement:
    """EventBridge encrypts the events it archives, and decrypts them for a replay.

    The actions of the EventBridge user guide ("Encrypting archives"), its
    ``kms:ReEncrypt*`` named as the two actions it stands for. Archive requests
    carry the bus's ARN as encryption context, and no ``aws:SourceArn``: the
    context is the documented condition.
    """
    return iam.PolicyStatement(
        sid=SID_EVENTBRIDGE_ARCHIVE,
        principals=[iam.ServicePrincipal(EVENTS_PRINCIPAL)],
        actions=["kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
        resources=["*"],
        conditions={"StringEquals": {"kms:EncryptionContext:aws:events:event-bus:arn": bus_arn}},
    )


def eventbridge_checks_key() -> iam.PolicyStatement:
    """EventBridge reads the key's metadata (its ARN, and that it is symmetric) when a bus or archive is given it.

    Without a condition, as the EventBridge user guide gives it: ``DescribeKey``
    carries no encryption context, and it returns metadata, never key material.
    """
    return iam.PolicyStatement(
        sid=SID_EVENTBRIDGE_DESCRIBE,
        principals=[iam.ServicePrincipal(EVENTS_PRINCIPAL)],
        actions=["kms:DescribeKey"],
        resources=["*"],
    )


def cloudwatch_logs_encrypts_log_group(scope: Construct, *, log_group_name: str | None) -> iam.PolicyStatement:
    """CloudWatch Logs encrypts and decrypts the function's log events.

    The regional principal and the encryption context condition of the
    CloudWatch Logs user guide ("Encrypt log data using AWS KMS"), its
    wildcard actions named; the context is the log group's ARN (any log group
    of this account and region when CloudFormation chooses the name).
    """
    stack = Stack.of(scope)
    log_group_arn = _arn(scope, "logs", "log-group", log_group_name or "*", ArnFormat.COLON_RESOURCE_NAME)
    return iam.PolicyStatement(
        sid=SID_LOGS,
        principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
        actions=[
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:DescribeKey",
        ],
        resources=["*"],
        conditions={_arn_operator(log_group_arn): {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
    )


def cloudwatch_alarms_publish_to_topic(scope: Construct, *, topic_name: str | None) -> iam.PolicyStatement:
    """CloudWatch encrypts each alarm notification it publishes to the alarm topic.

    ``aws:SourceAccount`` keeps it to this account's alarms; the encryption
    context SNS passes is the topic's ARN (any topic of this account and
    region when CloudFormation chooses the name).
    """
    topic_arn = _arn(scope, "sns", "", topic_name or "*", ArnFormat.NO_RESOURCE_NAME)
    return iam.PolicyStatement(
        sid=SID_ALARMS_TO_TOPIC,
        principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
        actions=["kms:GenerateDataKey", "kms:Decrypt"],
        resources=["*"],
        conditions={
            "StringEquals": {"aws:SourceAccount": Stack.of(scope).account},
            _arn_operator(topic_arn): {"kms:EncryptionContext:aws:sns:topicArn": topic_arn},
        },
    )


def add_to_key_policy(scope: Construct, key: kms.IKey, *statements: iam.PolicyStatement) -> None:
    """Add ``statements`` to the key's policy; for a key whose policy is not in this app, warn once per statement.

    The warning names the statement, so the key's owner can match it against the documented list.
    """
    for statement in statements:
        if key.add_to_resource_policy(statement).statement_added:
            continue
        Annotations.of(scope).add_warning_v2(
            f"shipment-pipeline:key-policy-{statement.sid}",
            f"encryption_key is imported, so its key policy cannot be changed here: add the statement "
            f"{statement.sid} ({', '.join(statement.actions)} for "
            f"{_services(statement)}) to it yourself, as listed in {DOCS_SECTION}.",
        )


def _services(statement: iam.PolicyStatement) -> str:
    """The service principals of ``statement``, by name."""
    names = [principal.service for principal in statement.principals if isinstance(principal, iam.ServicePrincipal)]
    return ", ".join(names)


def grant_key_via_service(key: kms.IKey, grantee: iam.IGrantable, *, service: str, actions: list[str]) -> None:
    """Allow ``grantee`` the ``actions`` on ``key`` only in requests made through ``service`` (``sqs``, ``dynamodb``).

    ``kms:ViaService`` keeps the role from using the key directly: it can
    decrypt a message or an item only by reading it through that service.
    An identity policy: the key's policy must let the account's IAM policies
    grant it (a key created with CDK's defaults does).
    """
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=actions,
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"{service}.{Stack.of(key).region}.amazonaws.com"}},
        )
    )


def literal_name(name: str | None) -> str | None:
    """``name`` when it is known at synthesis, else ``None`` (a CloudFormation-chosen name or another token)."""
    if name is None or Token.is_unresolved(name):
        return None
    return name


def _arn(scope: Construct, service: str, resource: str, resource_name: str, arn_format: ArnFormat) -> str:
    stack = Stack.of(scope)
    if arn_format == ArnFormat.NO_RESOURCE_NAME:
        # SNS topics: arn:<partition>:sns:<region>:<account>:<topic>
        return stack.format_arn(service=service, resource=resource_name, arn_format=arn_format)
    return stack.format_arn(service=service, resource=resource, resource_name=resource_name, arn_format=arn_format)


def _arn_operator(arn: str) -> str:
    """``ArnLike`` for a pattern, ``ArnEquals`` for one resource."""
    return "ArnLike" if "*" in arn else "ArnEquals"
