"""The event contract published for producers: an EventBridge schema registry holding the event's schema.

Created only with ``EventContract(publish_schema=True)``. The schema is the
whole event (:func:`~shipment_pipeline_constructs.event_schema.event_schema`:
envelope with the rule's ``source`` and ``detail-type`` values, and the
contract's ``detail``), converted exactly to ``JSONSchemaDraft4``, the JSON
Schema type the registry accepts (:mod:`~shipment_pipeline_constructs.schema_draft4`);
a schema that has no exact draft-04 form was already refused by the prop
validation. Producer teams download code bindings for it from the registry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Token
from aws_cdk import aws_events as events
from aws_cdk import aws_eventschemas as eventschemas
from constructs import Construct

from ..contract import EventContract
from ..event_schema import event_schema
from ..naming import ResourceNames
from ..schema_draft4 import to_draft4
from ..shape import PARTS

#: The registry's schema type (the other one it accepts is OpenApi3).
SCHEMA_TYPE = "JSONSchemaDraft4"
#: The schema's name in the registry (the registry is the pipeline's own).
SCHEMA_NAME = "ShipmentEvent"


@dataclass(frozen=True)
class SchemaResources:
    """The published contract.

    Attributes:
        registry: The pipeline's schema registry.
        schema: The event's schema in it.
    """

    registry: eventschemas.CfnRegistry
    schema: eventschemas.CfnSchema


def publish_event_schema(
    scope: Construct,
    *,
    contract: EventContract,
    event_pattern: events.EventPattern,
    names: ResourceNames | None,
) -> SchemaResources:
    """Create the registry and the event's draft-04 schema in it (the rule's ``event_pattern`` gives the envelope)."""
    registry = eventschemas.CfnRegistry(
        scope,
        PARTS["schema_registry"].construct_id,
        registry_name=names.schema_registry if names else None,
        description="Schemas of the events this shipment event pipeline accepts",
    )
    content = to_draft4(
        event_schema(
            contract, sources=_literals(event_pattern.source), detail_types=_literals(event_pattern.detail_type)
        )
    )
    schema = eventschemas.CfnSchema(
        scope,
        PARTS["event_schema"].construct_id,
        registry_name=registry.attr_registry_name,
        schema_name=SCHEMA_NAME,
        type=SCHEMA_TYPE,
        content=json.dumps(content, sort_keys=True),
        description="An event the pipeline's rule matches and its processor stores: envelope and detail",
    )
    return SchemaResources(registry=registry, schema=schema)


def _literals(values: Sequence[str] | None) -> list[str] | None:
    """The values a pattern lists when all are plain strings (a content filter or a token: ``None``, any string)."""
    if not values or not all(isinstance(value, str) and not Token.is_unresolved(value) for value in values):
        return None
    return list(values)
