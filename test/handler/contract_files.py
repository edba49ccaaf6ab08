"""Contracts as the construct stages them (contract file, generated validator, hook module), loaded as the function loads them."""

from __future__ import annotations

import itertools
import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipment_processor.contract import CONTRACT_FILE, Contract, load_contract
from shipment_processor.processor import BatchProcessor

from shipment_pipeline_constructs.schema_codegen import generate_validator_module

from .memory_store import MemoryStore
from .shipment_factories import CONFIG, FIXED_NOW_NS

_hook_numbers = itertools.count(1)

#: The example team's contract fields: its own names, a nested id, an allowed type list.
TEAM_FIELDS = {"id_field": "shipment.id", "timestamp_field": "occurredAt", "type_field": "status"}
TEAM_TYPES = ["created", "in_transit", "delivered"]
#: A schema with nested event_data rules.
TEAM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["shipment", "occurredAt", "status"],
    "properties": {
        "shipment": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "occurredAt": {"type": "string", "format": "date-time"},
        "status": {"type": "string"},
        "event_data": {
            "type": "object",
            "properties": {"weight_kg": {"type": "number", "minimum": 0}, "carrier": {"enum": ["DHL", "UPS"]}},
            "additionalProperties": False,
        },
    },
}


def team_detail(**overrides: Any) -> dict[str, Any]:
    """A detail the team's contract accepts; ``overrides`` replace top-level fields (``...`` removes one)."""
    fields: dict[str, Any] = {
        "shipment": {"id": "TN-1"},
        "occurredAt": "2025-10-13T12:30:00+02:00",
        "status": "created",
        "event_data": {"weight_kg": 2.5, "carrier": "DHL"},
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not ...}


def stage_contract(
    root: Path,
    fields: Mapping[str, str] | None = None,
    *,
    schema: dict[str, Any] | None = None,
    hook_source: str | None = None,
    event_types: list[str] | None = None,
) -> Contract:
    """Write the asset-root files for a contract into ``root`` and load them as the function does at init.

    ``fields`` holds ``id_field``, ``timestamp_field``, ``type_field`` (each defaults to the default's).
    ``hook_source`` is the hook module's code; its function must be called ``hook``. Each call gets a module
    name of its own, so one test session can load many hooks.
    """
    root.mkdir(parents=True, exist_ok=True)
    record_hook = None
    if hook_source is not None:
        module = f"contract_test_hook_{next(_hook_numbers)}"
        (root / f"{module}.py").write_text(textwrap.dedent(hook_source))
        record_hook = f"{module}:hook"
    document = {
        "format": 1,
        **(fields or {}),
        "event_types": event_types,
        "detail_schema": schema,
        "validator_module": "shipment_contract_validator" if schema is not None else None,
        "record_hook": record_hook,
    }
    (root / CONTRACT_FILE).write_text(json.dumps(document))
    if schema is not None:
        (root / "shipment_contract_validator.py").write_text(generate_validator_module(schema))
    return load_contract(root)


def processor_for(contract: Contract, store: MemoryStore, *, on_conflict: str = "record") -> BatchProcessor:
    """A sequential processor with the tests' configuration, serving ``contract``."""
    import dataclasses

    return BatchProcessor(
        store=store,
        config=dataclasses.replace(CONFIG, on_conflict=on_conflict),
        executor=None,
        clock=lambda: FIXED_NOW_NS,
        contract=contract,
    )
