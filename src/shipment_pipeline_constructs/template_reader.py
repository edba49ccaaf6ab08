"""Find a pipeline's resources in a synthesized CloudFormation template.

The one place that knows how: every resource the construct creates carries
the ``aws:cdk:path`` metadata the synthesizer writes (``cdk synth`` and
``shipment-pipeline synth`` both do), and its path ends with the suffix
:data:`shape.PARTS` gives for its role (``.../Queue/Resource``); alarms end
with :func:`shape.alarm_path_suffix`. What comes before the suffix is the
pipeline's own construct path, so a stack with several pipelines splits
into one :class:`PipelineTemplate` each. Templates deployed without path
metadata can still be read by resource type and shape
(:meth:`StackTemplate.pipeline_by_shape`).

The operator commands, the local runner, the cost model and the synthesis
summary all read templates through this module; it imports nothing from
aws-cdk-lib.

Example::

    stack = StackTemplate.load(Path("cdk.out/ShipmentPipeline-dev.template.json"))
    pipeline = stack.pipeline()
    pipeline.properties("queue")["VisibilityTimeout"]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from . import defaults, shape

__all__ = ["PipelineTemplate", "StackTemplate", "TemplateError"]

PATH_METADATA = "aws:cdk:path"

#: For templates without path metadata: what only the pipeline's resource of that role looks like.
_SHAPE_OF: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "function": lambda properties: shape.ENV.events_table_name in _variables(properties),
    "events_table": lambda properties: (
        _key_names(properties) == [defaults.EVENTS_PARTITION_KEY, defaults.EVENTS_SORT_KEY]
    ),
    "log_group": lambda properties: "/aws/lambda/" in str(properties.get("LogGroupName", "")),
    "queue": lambda properties: "RedrivePolicy" in properties,
    # A pipeline stack has one event source mapping and one archive: the type is enough.
    "event_source": lambda _: True,
    "archive": lambda _: True,
}


class TemplateError(ValueError):
    """The template does not hold the pipeline asked for; the message says what is missing and how to fix it."""


@dataclass(frozen=True)
class PipelineTemplate:
    """One pipeline's resources in a template.

    Attributes:
        construct_path: The pipeline's construct path (``MyStack/Pipeline``); empty when found by shape.
        resources: Every resource of the template, by logical ID (a pipeline's roles refer to others).
        logical_ids: Role (a key of :data:`shape.PARTS`) -> logical ID, for the roles the pipeline has.
        alarm_logical_ids: Logical IDs of its alarms, in :data:`shape.ALARM_IDS` order.
        path: The template file, when read from one.
    """

    construct_path: str
    resources: Mapping[str, Mapping[str, Any]]
    logical_ids: Mapping[str, str]
    alarm_logical_ids: tuple[str, ...] = ()
    path: Path | None = None

    def logical_id(self, role: str) -> str | None:
        """The logical ID of the resource playing ``role``, or ``None`` when the pipeline has none."""
        return self.logical_ids.get(role)

    def resource(self, role: str) -> Mapping[str, Any]:
        """The template entry (``Type``, ``Properties``, ``Metadata``) playing ``role``; empty when absent."""
        logical_id = self.logical_ids.get(role)
        return self.resources[logical_id] if logical_id else {}

    def properties(self, role: str) -> dict[str, Any]:
        """The ``Properties`` of the resource playing ``role``; empty when absent."""
        return dict(self.resource(role).get("Properties", {}))

    def environment(self) -> dict[str, Any]:
        """The processor function's environment variables (values may be intrinsics such as ``Ref``)."""
        return _variables(self.properties("function"))

    def pipeline_name(self) -> str | None:
        """The value of the processor metrics' dimension (``PIPELINE_NAME``), when it is a literal."""
        value = self.environment().get(shape.ENV.pipeline_name)
        return value if isinstance(value, str) else None

    def name(self, role: str, physical_ids: Mapping[str, str] | None = None) -> str | None:
        """The physical name of ``role``: the deployed one in ``physical_ids``, else the literal in the template."""
        logical_id = self.logical_ids.get(role)
        if logical_id is None:
            return None
        physical_id = (physical_ids or {}).get(logical_id, "")
        return _physical_name(self.resources[logical_id], physical_id, shape.PARTS[role])

    def alarm_names(self, physical_ids: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """The alarms' names in catalogue order; one not yet deployed and without a literal name gives its logical ID."""
        deployed = physical_ids or {}
        return tuple(
            _literal(self.resources[logical_id], deployed.get(logical_id, ""), shape.ALARM_NAME_PROPERTY) or logical_id
            for logical_id in self.alarm_logical_ids
        )

    def missing(self, roles: Iterable[str]) -> list[str]:
        """Those of ``roles`` the pipeline has no resource for."""
        return [role for role in roles if role not in self.logical_ids]


@dataclass(frozen=True)
class StackTemplate:
    """A synthesized stack template, split into the pipelines it holds.

    Attributes:
        resources: The template's ``Resources``, by logical ID.
        path: The template file, when read from one.
    """

    resources: Mapping[str, Mapping[str, Any]]
    path: Path | None = None

    @cached_property
    def _pipelines(self) -> tuple[PipelineTemplate, ...]:
        return tuple(_split(self.resources, self.path))

    @classmethod
    def load(cls, path: Path) -> StackTemplate:
        """Read a template file (``cdk.out/<Stack>.template.json``)."""
        return cls.parse(json.loads(Path(path).read_text()), path=Path(path))

    @classmethod
    def parse(cls, template: Mapping[str, Any], path: Path | None = None) -> StackTemplate:
        """A template already read (e.g. CloudFormation's ``GetTemplate`` body, or ``Template.to_json()``)."""
        return cls(resources=template.get("Resources", {}), path=path)

    @property
    def has_path_metadata(self) -> bool:
        """Whether any resource carries ``aws:cdk:path`` (``cdk deploy --path-metadata false`` removes it)."""
        return any(PATH_METADATA in resource.get("Metadata", {}) for resource in self.resources.values())

    def candidates(self) -> tuple[PipelineTemplate, ...]:
        """Every construct path with some pipeline role, in template order (look-alikes included)."""
        return self._pipelines

    def pipelines(self) -> tuple[PipelineTemplate, ...]:
        """The pipelines in the template: construct paths that have a queue (other matches are stray look-alikes)."""
        return tuple(pipeline for pipeline in self._pipelines if "queue" in pipeline.logical_ids)

    def pipeline(self, construct_path: str | None = None, *, source: str = "the template") -> PipelineTemplate:
        """The one pipeline (under ``construct_path`` if given); raises :class:`TemplateError` for none or several.

        ``source`` names the template in the error (e.g. the stack's name).
        """
        if construct_path is None:
            matches = self.pipelines()
        else:
            matches = tuple(p for p in self._pipelines if p.construct_path.endswith(construct_path.rstrip("/")))
        if len(matches) > 1:
            paths = ", ".join(sorted(p.construct_path for p in matches))
            raise TemplateError(f"{source} holds {len(matches)} pipelines ({paths}): pick one with --construct-path")
        if not matches:
            where = f" under {construct_path}" if construct_path else ""
            raise TemplateError(
                f"no ShipmentEventPipeline found{where} in {source} (no resource has a construct path ending in "
                f"{shape.PARTS['queue'].path_suffix})"
            )
        return matches[0]

    def pipeline_by_shape(self) -> PipelineTemplate:
        """The first pipeline found by construct path, with the roles it lacks found by type and shape.

        Reads templates deployed without path metadata: the function, its
        event source mapping, the events table, the archive, the log group
        and the queue are each the first resource of their type that looks
        like the pipeline's (the function reads ``EVENTS_TABLE_NAME``, the
        table has the events keys...).
        """
        pipelines = self.pipelines()
        found = dict(pipelines[0].logical_ids) if pipelines else {}
        for role, looks_right in _SHAPE_OF.items():
            if role not in found:
                resource_type = shape.PARTS[role].resource_type
                match = next(
                    (
                        logical_id
                        for logical_id, resource in self.resources.items()
                        if resource.get("Type") == resource_type and looks_right(resource.get("Properties", {}))
                    ),
                    None,
                )
                if match is not None:
                    found[role] = match
        return PipelineTemplate(construct_path="", resources=self.resources, logical_ids=found, path=self.path)

    def count(self, resource_type: str) -> int:
        """How many resources of ``resource_type`` the whole stack has."""
        return sum(1 for resource in self.resources.values() if resource.get("Type") == resource_type)

    def of_type(self, resource_type: str) -> list[Mapping[str, Any]]:
        """The ``Properties`` of every resource of ``resource_type``, in template order."""
        return [
            resource.get("Properties", {})
            for resource in self.resources.values()
            if resource.get("Type") == resource_type
        ]

    def type_counts(self) -> dict[str, int]:
        """Resource type -> how many the stack has."""
        counts: dict[str, int] = {}
        for resource in self.resources.values():
            counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
        return counts


def _split(resources: Mapping[str, Mapping[str, Any]], path: Path | None) -> list[PipelineTemplate]:
    """Group the resources whose construct path ends with a role's or an alarm's suffix by what precedes it."""
    roles: dict[str, dict[str, str]] = {}
    alarms: dict[str, list[tuple[int, str]]] = {}
    for logical_id, resource in resources.items():
        construct_path = resource.get("Metadata", {}).get(PATH_METADATA, "")
        if not construct_path:
            continue
        for role, part in shape.PARTS.items():
            if construct_path.endswith(part.path_suffix):
                roles.setdefault(construct_path[: -len(part.path_suffix)], {}).setdefault(role, logical_id)
        for order, alarm_id in enumerate(shape.ALARM_IDS):
            suffix = shape.alarm_path_suffix(alarm_id)
            if construct_path.endswith(suffix):
                alarms.setdefault(construct_path[: -len(suffix)], []).append((order, logical_id))
    return [
        PipelineTemplate(
            construct_path=prefix,
            resources=resources,
            logical_ids=found,
            alarm_logical_ids=tuple(logical_id for _, logical_id in sorted(alarms.get(prefix, []))),
            path=path,
        )
        for prefix, found in roles.items()
    ]


def _physical_name(resource: Mapping[str, Any], physical_id: str, part: shape.Part) -> str | None:
    if physical_id and part.resource_type == "AWS::Events::Rule":
        # CloudFormation reports a rule on a custom bus as "bus-name|rule-name".
        return physical_id.rsplit("|", maxsplit=1)[-1]
    return _literal(resource, physical_id, part.name_property)


def _literal(resource: Mapping[str, Any], physical_id: str, name_property: str | None) -> str | None:
    if physical_id:
        return physical_id
    literal = resource.get("Properties", {}).get(name_property) if name_property else None
    return literal if isinstance(literal, str) else None


def _variables(properties: Mapping[str, Any]) -> dict[str, Any]:
    return dict(properties.get("Environment", {}).get("Variables", {}))


def _key_names(properties: Mapping[str, Any]) -> list[Any]:
    return [key.get("AttributeName") for key in properties.get("KeySchema", [])]
