"""Find one pipeline's resources: from a deployed stack, from its suffix, or from explicit names.

From a stack (``--stack``), every resource is located by the construct path
CDK writes into the template (``aws:cdk:path`` metadata, ``.../Queue/Resource``),
so the lookup works whatever the physical names are, including with
``physical_names=False``. Stack outputs named like ``examples/basic``'s
(``QueueUrl``, ``EventBusName``...) fill in what the stack does not create
itself, such as an existing event bus.

From a suffix (``--suffix prod``), names follow :class:`ResourceNames`.
Explicit names override either.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from botocore.exceptions import ClientError

from ..naming import ResourceNames
from .aws import Connection, OperationError, error_code

#: Resource field -> the end of its construct path in a synthesized template.
CONSTRUCT_PATHS = {
    "event_bus": "/EventBus/Resource",
    "rule": "/Rule/Resource",
    "archive": "/Archive/Archive",
    "queue": "/Queue/Resource",
    "dead_letter_queue": "/DeadLetterQueue/Resource",
    "target_dead_letter_queue": "/TargetDeadLetterQueue/Resource",
    "function": "/Processor/Resource",
    "events_table": "/EventsTable/Resource",
    "errors_table": "/ErrorsTable/Resource",
}

#: The construct's alarms (``observe/alarms.py``'s ``ALARM_DEFINITIONS``, in order): construct id under
#: ``.../Alarms/``, and, in kebab case, the end of the physical name with ``physical_names=True``.
#: Kept here so the operator commands need no aws-cdk-lib; a test checks it against the catalogue.
ALARM_CONSTRUCT_IDS = (
    "QueueBacklog",
    "OldestMessageAge",
    "DeadLetterMessages",
    "TargetDeadLetterMessages",
    "FunctionErrors",
    "FunctionThrottles",
    "FailedInvocations",
    "TableThrottles",
    "QuarantinedEvents",
)

#: Resource field -> stack output keys that may carry it (``examples/basic`` writes these).
OUTPUT_KEYS = {
    "event_bus": ("EventBusName",),
    "queue": ("QueueUrl",),
    "dead_letter_queue": ("DeadLetterQueueUrl",),
    "target_dead_letter_queue": ("TargetDeadLetterQueueUrl",),
    "events_table": ("TableName", "EventsTableName"),
    "errors_table": ("ErrorsTableName",),
    "archive": ("ArchiveName",),
    "rule": ("RuleName",),
    "function": ("FunctionName", "ProcessorFunctionName"),
}

#: Template properties that hold a resource's literal name (when the physical id is not reported).
_NAME_PROPERTIES = {
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Events::Archive": "ArchiveName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::CloudWatch::Alarm": "AlarmName",
}

_FLAGS = {
    "event_bus": "--bus",
    "rule": "--rule",
    "archive": "--archive",
    "queue": "--queue",
    "dead_letter_queue": "--dlq",
    "target_dead_letter_queue": "--target-dlq",
    "function": "--function",
    "events_table": "--events-table",
    "errors_table": "--errors-table",
    "pipeline_name": "--pipeline-name",
    "alarms": "--alarm",
}


@dataclass(frozen=True)
class PipelineResources:
    """Names of one deployed pipeline's resources; ``None`` where unknown.

    Queues may be given by name or URL (:meth:`queue_url` resolves either).
    ``pipeline_name`` is the value of the pipeline's metrics' ``Pipeline``
    dimension. ``alarms`` holds the exact names of the alarms the pipeline
    has: from a stack, those in its template (an empty tuple when it was
    deployed with alarms off); from a suffix, the names the construct gives
    them (:func:`alarm_names`); ``None`` when unknown.

    Example::

        resources = PipelineResources.from_suffix("prod")
        resources.queue_url(Connection(region="eu-west-1").client("sqs"), resources.require("queue"))
    """

    pipeline_name: Optional[str] = None
    event_bus: Optional[str] = None
    rule: Optional[str] = None
    archive: Optional[str] = None
    queue: Optional[str] = None
    dead_letter_queue: Optional[str] = None
    target_dead_letter_queue: Optional[str] = None
    function: Optional[str] = None
    events_table: Optional[str] = None
    errors_table: Optional[str] = None
    alarms: Optional[tuple[str, ...]] = None

    @classmethod
    def from_suffix(cls, suffix: str) -> "PipelineResources":
        """The names a pipeline with ``physical_names=True`` and this suffix uses (all alarms on)."""
        names = ResourceNames(suffix)
        # Every other field is named like the ResourceNames property that gives it.
        resources = {
            field.name: getattr(names, field.name)
            for field in dataclasses.fields(cls)
            if field.name not in ("pipeline_name", "alarms")
        }
        return cls(pipeline_name=names.pipeline, alarms=alarm_names(names.pipeline), **resources)

    @classmethod
    def from_stack(
        cls, connection: Connection, stack_name: str, construct_path: Optional[str] = None
    ) -> "PipelineResources":
        """Read a deployed stack's outputs, resources and template metadata.

        ``construct_path`` picks one pipeline when the stack holds several
        (e.g. ``MyStack/Orders``).
        """
        cloudformation = connection.client("cloudformation")
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        template = cloudformation.get_template(StackName=stack_name, TemplateStage="Processed")["TemplateBody"]
        if isinstance(template, str):
            template = json.loads(template)
        physical_ids: dict[str, str] = {}
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
            for summary in page["StackResourceSummaries"]:
                physical_ids[summary["LogicalResourceId"]] = summary.get("PhysicalResourceId") or ""
        found = resources_in_template(template, physical_ids, construct_path, stack_name)
        outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
        for field, keys in OUTPUT_KEYS.items():
            if found.get(field) is None:
                found[field] = next((outputs[key] for key in keys if key in outputs), None)
        return cls(**found)

    def with_overrides(self, **names: Any) -> "PipelineResources":
        """A copy with the given (non-``None``) names replacing these (a list of alarm names becomes a tuple)."""
        changes: dict[str, Any] = {
            field: tuple(value) if isinstance(value, list) else value
            for field, value in names.items()
            if value is not None
        }
        return dataclasses.replace(self, **changes)

    def require(self, field: str) -> str:
        """The name in ``field``, or an error saying how to provide it."""
        value = getattr(self, field)
        if not value:
            label = field.replace("_", " ")
            raise OperationError(
                f"the pipeline's {label} is not known: pass --stack or --suffix, or name it with {_FLAGS[field]}"
            )
        return value

    @staticmethod
    def queue_url(sqs: Any, name_or_url: str) -> str:
        """The URL of a queue given by name or URL."""
        if name_or_url.startswith(("https://", "http://")):
            return name_or_url
        try:
            return sqs.get_queue_url(QueueName=name_or_url)["QueueUrl"]
        except ClientError as error:
            if error_code(error) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                raise
            raise OperationError(
                f"queue {name_or_url} not found (region {sqs.meta.region_name}): check --region and "
                "--stack/--suffix; was the pipeline deployed there?"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """The names as a plain dict (for ``--json``)."""
        return dataclasses.asdict(self)


def alarm_names(pipeline_name: str) -> tuple[str, ...]:
    """The exact names the construct gives its alarms with ``physical_names=True`` (``<pipeline>-queue-backlog``...)."""
    return tuple(f"{pipeline_name}-{_kebab(construct_id)}" for construct_id in ALARM_CONSTRUCT_IDS)


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def resources_in_template(
    template: Mapping[str, Any],
    physical_ids: Mapping[str, str],
    construct_path: Optional[str] = None,
    stack_name: str = "the stack",
) -> dict[str, Any]:
    """Match template resources to pipeline roles by construct path; returns field -> physical name.

    ``alarms`` is the tuple of the pipeline's alarm names (``.../Alarms/<Name>/Resource``) in
    catalogue order, empty when it has none.
    """
    by_pipeline: dict[str, dict[str, Optional[str]]] = {}
    alarms_by_pipeline: dict[str, list[tuple[int, str]]] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        path = resource.get("Metadata", {}).get("aws:cdk:path", "")
        for order, construct_id in enumerate(ALARM_CONSTRUCT_IDS):
            suffix = f"/Alarms/{construct_id}/Resource"
            if path.endswith(suffix):
                # Not yet deployed and no literal name: the logical id stands in (and is reported missing).
                name = _physical_name(resource, physical_ids.get(logical_id, "")) or logical_id
                alarms_by_pipeline.setdefault(path[: -len(suffix)], []).append((order, name))
        for field, suffix in CONSTRUCT_PATHS.items():
            if path.endswith(suffix):
                prefix = path[: -len(suffix)]
                by_pipeline.setdefault(prefix, {})[field] = _physical_name(resource, physical_ids.get(logical_id, ""))
                if field == "function":
                    variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
                    pipeline_name = variables.get("PIPELINE_NAME")
                    if isinstance(pipeline_name, str):
                        by_pipeline[prefix]["pipeline_name"] = pipeline_name
    if construct_path is not None:
        matches = {
            prefix: found for prefix, found in by_pipeline.items() if prefix.endswith(construct_path.rstrip("/"))
        }
    else:
        # A pipeline always has its queue; other matches are stray look-alikes.
        matches = {prefix: found for prefix, found in by_pipeline.items() if "queue" in found}
    if len(matches) > 1:
        raise OperationError(
            f"{stack_name} holds {len(matches)} pipelines ({', '.join(sorted(matches))}): pick one with --construct-path"
        )
    if not matches and not any(
        "aws:cdk:path" in resource.get("Metadata", {}) for resource in template.get("Resources", {}).values()
    ):
        raise OperationError(
            f"{stack_name}'s template has no construct paths (deployed with --path-metadata false?): "
            "pass --suffix, or name the resources explicitly (--queue, --dlq...)"
        )
    if not matches:
        where = f" under {construct_path}" if construct_path else ""
        raise OperationError(
            f"no ShipmentEventPipeline found{where} in {stack_name} (no resource has a construct path ending in "
            f"{CONSTRUCT_PATHS['queue']}); name the resources explicitly (--queue, --dlq...)"
        )
    prefix, found = next(iter(matches.items()))
    result: dict[str, Any] = {field: found.get(field) for field in (*CONSTRUCT_PATHS, "pipeline_name")}
    result["alarms"] = tuple(name for _, name in sorted(alarms_by_pipeline.get(prefix, [])))
    return result


def _physical_name(resource: Mapping[str, Any], physical_id: str) -> Optional[str]:
    if physical_id:
        # A rule on a custom bus reports "bus-name|rule-name".
        return physical_id.split("|")[-1] if resource.get("Type") == "AWS::Events::Rule" else physical_id
    literal = resource.get("Properties", {}).get(_NAME_PROPERTIES.get(resource.get("Type", ""), ""), None)
    return literal if isinstance(literal, str) else None
