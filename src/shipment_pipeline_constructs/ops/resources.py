"""Find one pipeline's resources: from a deployed stack, from its suffix, or from explicit names.

From a stack (``--stack``), every resource is located by the construct path
CDK writes into the template (``aws:cdk:path`` metadata, read by
:mod:`..template_reader`), so the lookup works whatever the physical names are, including with
``physical_names=False``. Stack outputs named like ``examples/basic``'s
(``QueueUrl``, ``EventBusName``...) fill in what the stack does not create
itself, such as an existing event bus.

From a suffix (``--suffix prod``), names follow :class:`ResourceNames`.
Explicit names override either.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .. import shape
from ..naming import ResourceNames
from ..template_reader import StackTemplate, TemplateError
from .aws import Connection, OperationError, error_code

if TYPE_CHECKING:
    from types_boto3_sqs import SQSClient

#: The fields named after a pipeline role (:data:`shape.PARTS`), found in a stack's template by construct path.
ROLE_FIELDS = (
    "event_bus",
    "rule",
    "archive",
    "queue",
    "dead_letter_queue",
    "quarantine_queue",
    "target_dead_letter_queue",
    "function",
    "events_table",
    "errors_table",
    "event_source",
)

#: Resource field -> stack output keys that may carry it (``examples/basic`` writes these).
OUTPUT_KEYS = {
    "event_bus": ("EventBusName",),
    "queue": ("QueueUrl",),
    "dead_letter_queue": ("DeadLetterQueueUrl",),
    "quarantine_queue": ("QuarantineQueueUrl",),
    "target_dead_letter_queue": ("TargetDeadLetterQueueUrl",),
    "events_table": ("TableName", "EventsTableName"),
    "errors_table": ("ErrorsTableName",),
    "archive": ("ArchiveName",),
    "rule": ("RuleName",),
    "function": ("FunctionName", "ProcessorFunctionName"),
}

_FLAGS = {
    "event_bus": "--bus",
    "rule": "--rule",
    "archive": "--archive",
    "queue": "--queue",
    "dead_letter_queue": "--dlq",
    "quarantine_queue": "--quarantine-queue",
    "target_dead_letter_queue": "--target-dlq",
    "function": "--function",
    "events_table": "--events-table",
    "errors_table": "--errors-table",
    "pipeline_name": "--pipeline-name",
    "alarms": "--alarm",
    "event_source": "--event-source-mapping",
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

    pipeline_name: str | None = None
    event_bus: str | None = None
    rule: str | None = None
    archive: str | None = None
    queue: str | None = None
    dead_letter_queue: str | None = None
    quarantine_queue: str | None = None
    target_dead_letter_queue: str | None = None
    function: str | None = None
    events_table: str | None = None
    errors_table: str | None = None
    alarms: tuple[str, ...] | None = None
    #: The UUID of the queue's event source mapping (from a stack; else found from the queue, see ``ops.consumption``).
    event_source: str | None = None

    @classmethod
    def from_suffix(cls, suffix: str) -> PipelineResources:
        """The names a pipeline with ``physical_names=True`` and this suffix uses (all alarms on)."""
        names = ResourceNames(suffix)
        # Every other field is named like the ResourceNames property that gives it.
        resources = {
            field.name: getattr(names, field.name)
            for field in dataclasses.fields(cls)
            if field.name not in ("pipeline_name", "alarms", "event_source")
        }
        return cls(pipeline_name=names.pipeline, alarms=alarm_names(names.pipeline), **resources)

    @classmethod
    def from_stack(
        cls, connection: Connection, stack_name: str, construct_path: str | None = None
    ) -> PipelineResources:
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

    def with_overrides(self, **names: Any) -> PipelineResources:
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
    def queue_url(sqs: SQSClient, name_or_url: str) -> str:
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
    return tuple(shape.alarm_name(pipeline_name, alarm_id) for alarm_id in shape.ALARM_IDS)


def resources_in_template(
    template: Mapping[str, Any],
    physical_ids: Mapping[str, str],
    construct_path: str | None = None,
    stack_name: str = "the stack",
) -> dict[str, Any]:
    """The physical name of each pipeline role in a deployed stack's template (see :mod:`..template_reader`).

    ``alarms`` is the tuple of the pipeline's alarm names in catalogue order,
    empty when it has none.
    """
    stack = StackTemplate.parse(template)
    if not stack.has_path_metadata:
        raise OperationError(
            f"{stack_name}'s template has no construct paths (deployed with --path-metadata false?): "
            "pass --suffix, or name the resources explicitly (--queue, --dlq...)"
        )
    try:
        pipeline = stack.pipeline(construct_path, source=stack_name)
    except TemplateError as error:
        hint = "" if "--construct-path" in str(error) else "; name the resources explicitly (--queue, --dlq...)"
        raise OperationError(f"{error}{hint}") from None
    found: dict[str, Any] = {role: pipeline.name(role, physical_ids) for role in ROLE_FIELDS}
    found["pipeline_name"] = pipeline.pipeline_name()
    found["alarms"] = pipeline.alarm_names(physical_ids)
    return found
