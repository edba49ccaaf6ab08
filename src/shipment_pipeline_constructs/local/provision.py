"""Create the pipeline's resources in the emulator from the template's own properties.

Queues (retention, visibility timeout, redrive policy with its real
``maxReceiveCount``), tables (keys, GSIs, billing, TTL attribute), the bus,
the archive (pattern, retention) and the rule (pattern, SQS target with its
retry policy and dead-letter config) are built from the synthesized
properties, with ``Ref`` / ``Fn::GetAtt`` / ``Fn::Join`` between them
resolved here, so a wiring mistake in the construct shows up locally.

The event source mapping is created in moto's Lambda API with the
template's ``Enabled``, on a placeholder function of the processor's name
(code that never runs there, and its role), so ``shipment-pipeline pause``,
``resume`` and ``status`` work against the emulator as against AWS. moto's own
mapping would consume the queue itself (and needs Docker): it is detached
from the queue, and :mod:`~shipment_pipeline_constructs.local.poller` stands
in for it, reading ``Enabled`` from moto. With ``processor.deployment`` the
mapping invokes the function itself locally, not the alias ``live``.
Not created: IAM policies, queue policies, the log group, versions and aliases.
Accepted by moto but without effect: point-in-time recovery and deletion
protection are not set; encryption settings are passed through as
attributes; TTL is recorded but items never expire.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

from .emulator import ACCOUNT_ID, REGION, detach_moto_consumers
from .template import PipelineTemplate, TemplateError

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_events import EventBridgeClient
    from types_boto3_lambda import LambdaClient
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.literals import QueueAttributeNameType

__all__ = ["Deployment", "provision", "resolve"]

_QUEUE_ATTRIBUTES: tuple[QueueAttributeNameType, ...] = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
)
_TABLE_SETTINGS = ("BillingMode", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput")
_TARGET_SETTINGS = ("RetryPolicy", "DeadLetterConfig", "Input", "InputPath", "InputTransformer", "SqsParameters")


@dataclasses.dataclass
class Deployment:
    """Physical names of what :func:`provision` created; ``refs`` / ``arns`` map logical IDs to them."""

    refs: dict[str, str] = dataclasses.field(default_factory=dict)
    arns: dict[str, str] = dataclasses.field(default_factory=dict)
    bus_name: str = "default"
    rule_name: str = ""
    archive_name: str | None = None
    event_source_mapping: str = ""

    def physical_id(self, template: PipelineTemplate, role: str) -> str:
        """The physical id (name or URL) of the local resource playing ``role``."""
        return self.refs[template.logical_ids[role]]


def resolve(value: Any, deployment: Deployment) -> Any:
    """Resolve ``Ref``, ``Fn::GetAtt`` (``Arn``) and ``Fn::Join`` against what was created; literals pass through."""
    if isinstance(value, list):
        return [resolve(element, deployment) for element in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        if value["Ref"] in deployment.refs:
            return deployment.refs[value["Ref"]]
        if value["Ref"] == "AWS::Region":
            return REGION
        if value["Ref"] == "AWS::AccountId":
            return ACCOUNT_ID
        raise TemplateError(f"cannot resolve {value} locally: the resource is not part of the pipeline's data path")
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        if attribute == "Arn" and logical_id in deployment.arns:
            return deployment.arns[logical_id]
        raise TemplateError(f"cannot resolve {value} locally")
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(part, deployment)) for part in parts)
    return {key: resolve(element, deployment) for key, element in value.items()}


def provision(template: PipelineTemplate, clients: Any) -> Deployment:
    """Create every data-path resource; ``clients`` has boto3 ``sqs``, ``dynamodb``, ``events``, ``iam`` and ``lambda`` clients."""
    deployment = Deployment()
    # Dead-letter queues first: the source queue's redrive policy names one.
    for role in ("dead_letter_queue", "quarantine_queue", "target_dead_letter_queue", "queue"):
        if template.logical_id(role):
            _create_queue(template, role, clients.sqs, deployment)
    for role in ("events_table", "errors_table"):
        _create_table(template, role, clients.dynamodb, deployment)
    _create_bus(template, clients.events, deployment)
    if template.logical_id("archive"):
        _create_archive(template, clients.events, deployment)
    _create_rule(template, clients.events, deployment)
    _create_event_source_mapping(template, clients.iam, clients.lambda_, deployment)
    return deployment


def _create_queue(template: PipelineTemplate, role: str, sqs: SQSClient, deployment: Deployment) -> None:
    logical_id = template.logical_ids[role]
    props = template.properties(role)
    attributes = {name: _attribute(props[name]) for name in _QUEUE_ATTRIBUTES if name in props}
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(resolve(props["RedrivePolicy"], deployment))
    name = props.get("QueueName", logical_id)
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    deployment.refs[logical_id] = url
    deployment.arns[logical_id] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def _create_table(template: PipelineTemplate, role: str, dynamodb: DynamoDBClient, deployment: Deployment) -> None:
    logical_id = template.logical_ids[role]
    props = template.properties(role)
    name = props.get("TableName", logical_id)
    settings = {key: props[key] for key in _TABLE_SETTINGS if key in props}
    description = dynamodb.create_table(
        TableName=name, KeySchema=props["KeySchema"], AttributeDefinitions=props["AttributeDefinitions"], **settings
    )["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    deployment.refs[logical_id] = name
    deployment.arns[logical_id] = description["TableArn"]


def _create_bus(template: PipelineTemplate, events: EventBridgeClient, deployment: Deployment) -> None:
    logical_id = template.logical_id("event_bus")
    if logical_id:
        name = template.properties("event_bus").get("Name", logical_id)
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        deployment.refs[logical_id], deployment.arns[logical_id] = name, arn
    else:
        # An existing bus passed to the construct: the rule names it.
        name = str(resolve(template.properties("rule").get("EventBusName", "default"), deployment)).split("/")[-1]
        if name != "default":
            events.create_event_bus(Name=name)
    deployment.bus_name = name


def _create_archive(template: PipelineTemplate, events: EventBridgeClient, deployment: Deployment) -> None:
    props = template.properties("archive")
    name = props.get("ArchiveName", template.logical_ids["archive"])
    settings: dict[str, Any] = {"EventSourceArn": resolve(props["SourceArn"], deployment)}
    if "EventPattern" in props:
        settings["EventPattern"] = json.dumps(props["EventPattern"])
    if "RetentionDays" in props:
        settings["RetentionDays"] = int(props["RetentionDays"])
    if props.get("Description"):
        settings["Description"] = props["Description"]
    events.create_archive(ArchiveName=name, **settings)
    deployment.archive_name = name


def _create_rule(template: PipelineTemplate, events: Any, deployment: Deployment) -> None:
    props = template.properties("rule")
    name = props.get("Name", template.logical_ids["rule"])
    events.put_rule(
        Name=name,
        EventBusName=deployment.bus_name,
        EventPattern=json.dumps(props["EventPattern"]),
        State=props.get("State", "ENABLED"),
        Description=props.get("Description", ""),
    )
    targets = [
        {"Id": target["Id"], "Arn": resolve(target["Arn"], deployment)}
        | {key: resolve(target[key], deployment) for key in _TARGET_SETTINGS if key in target}
        for target in props.get("Targets", [])
    ]
    if targets:
        events.put_targets(Rule=name, EventBusName=deployment.bus_name, Targets=targets)
    deployment.rule_name = name


#: What the placeholder function in moto holds: the handler runs in this process (:mod:`.function`), never there.
_PLACEHOLDER_CODE = "def handler(event, context):\n    raise RuntimeError('runs locally, not in the emulator')\n"
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _create_event_source_mapping(
    template: PipelineTemplate, iam: Any, lambda_: LambdaClient, deployment: Deployment
) -> None:
    function_name = template.properties("function").get("FunctionName", template.logical_ids["function"])
    role = iam.create_role(RoleName=f"{function_name}-local"[:64], AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST))[
        "Role"
    ]["Arn"]
    lambda_.create_function(
        FunctionName=function_name,
        Runtime=template.properties("function").get("Runtime", "python3.13"),
        Role=role,
        Handler=template.properties("function").get("Handler", "index.handler"),
        Code={"ZipFile": _zip({"index.py": _PLACEHOLDER_CODE})},
    )
    props = template.properties("event_source")
    queue_id = template.logical_ids["queue"]
    mapping = lambda_.create_event_source_mapping(
        EventSourceArn=deployment.arns[queue_id],
        FunctionName=function_name,
        Enabled=bool(props.get("Enabled", True)),
        BatchSize=int(props.get("BatchSize", 10)),
    )
    detach_moto_consumers(deployment.refs[queue_id].rsplit("/", 1)[-1])
    deployment.event_source_mapping = mapping["UUID"]


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
