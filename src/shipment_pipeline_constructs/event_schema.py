"""The JSON Schema of the events a pipeline accepts: the EventBridge envelope around the contract's ``detail``.

One builder for both places that publish it: ``shipment-pipeline schema``
prints it (draft-07, read from a synthesized template and its asset), and
``EventContract(publish_schema=True)`` puts its draft-04 form
(:mod:`.schema_draft4`) in the EventBridge Schema Registry. Pure functions,
no aws-cdk-lib.

The ``detail`` part is what the processor checks: the contract's fields
(the id and type non-empty strings, the timestamp an RFC 3339 date-time,
the type one of ``event_types`` when given) and, with a ``detail_schema``,
that schema too (``allOf``). The envelope part is what the rule matches:
``source`` (and ``detail-type``) from the rule's event pattern when it lists values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .contract import EventContract

__all__ = ["DRAFT7_URI", "contract_fields_schema", "event_schema"]

DRAFT7_URI = "http://json-schema.org/draft-07/schema#"


def event_schema(
    contract: EventContract,
    *,
    sources: Sequence[str] | None = None,
    detail_types: Sequence[str] | None = None,
    title: str = "Shipment event",
) -> dict[str, Any]:
    """The draft-07 schema of a whole event: ``source``, ``detail-type`` and a ``detail`` the contract accepts.

    ``sources`` / ``detail_types``: the literal values the rule matches (``None``: any string).
    """
    detail = contract_fields_schema(contract)
    if contract.detail_schema is not None:
        detail = {"allOf": [detail, _nested(dict(contract.detail_schema), "#/properties/detail/allOf/1")]}
    return {
        "$schema": DRAFT7_URI,
        "title": title,
        "description": "An EventBridge event the pipeline's rule matches and its processor stores",
        "type": "object",
        "required": ["source", "detail-type", "detail"],
        "properties": {
            "version": {"type": "string"},
            "id": {"type": "string"},
            "source": _strings(sources),
            "detail-type": _strings(detail_types),
            "account": {"type": "string"},
            "time": {"type": "string", "format": "date-time"},
            "region": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "string"}},
            "detail": detail,
        },
    }


def contract_fields_schema(contract: EventContract) -> dict[str, Any]:
    """The schema of ``detail`` that the contract's three fields (and ``event_types``) alone describe."""
    root: dict[str, Any] = {"type": "object", "required": [], "properties": {}}
    type_schema: dict[str, Any] = {"type": "string", "minLength": 1}
    if contract.event_types is not None:
        type_schema = {"type": "string", "enum": list(contract.event_types)}
    for path, schema in (
        (contract.id_field, {"type": "string", "minLength": 1}),
        (contract.timestamp_field, {"type": "string", "format": "date-time"}),
        (contract.type_field, type_schema),
    ):
        node = root
        *parents, leaf = path.split(".")
        for name in parents:
            if name not in node["required"]:
                node["required"].append(name)
            node = node["properties"].setdefault(name, {"type": "object", "required": [], "properties": {}})
        node["required"].append(leaf)
        node["properties"][leaf] = schema
    return root


def _strings(values: Sequence[str] | None) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)} if values else {"type": "string"}


def _nested(schema: dict[str, Any], base: str) -> dict[str, Any]:
    """``schema`` moved under ``base``: its own ``$schema``/``$id`` dropped, its local ``$ref`` rebased."""
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return _rebase(schema, base)


def _rebase(value: Any, base: str) -> Any:
    if isinstance(value, Mapping):
        out = {key: _rebase(item, base) for key, item in value.items()}
        ref = value.get("$ref")
        if isinstance(ref, str) and (ref == "#" or ref.startswith("#/")):
            out["$ref"] = base + ref[1:]
        return out
    if isinstance(value, list):
        return [_rebase(item, base) for item in value]
    return value
