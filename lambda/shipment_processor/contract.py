"""The event contract the processor serves, read once at init from ``shipment_contract.json`` (default when absent).

A contract says where in an event's ``detail`` the shipment id, the event's
instant and its type are, which types are allowed, which JSON Schema the
whole ``detail`` must satisfy, and which record hook (if any) shapes what is
stored. The construct writes the file next to the ``shipment_processor``
package only when the contract is not the default or a hook is set, so a
default pipeline's asset is unchanged and its function reads no file.

The file (format 1)::

    {"format": 1, "id_field": "shipment_id", "timestamp_field": "event_timestamp",
     "type_field": "event_type", "event_types": null, "detail_schema": null,
     "validator_module": null, "record_hook": null}

* ``id_field``, ``timestamp_field``, ``type_field``: a top-level name in
  ``detail`` or a dotted path (``shipment.id``); a name that itself holds a
  dot cannot be addressed.
* ``event_types``: the allowed values of the type field, or ``null`` for any.
* ``detail_schema``: the JSON Schema (draft-07) ``detail`` must satisfy; the
  processor runs the module the construct generated from it
  (``validator_module``, a standalone file at the asset root), never the
  schema itself, so it needs no JSON Schema library.
* ``record_hook``: ``"package.module:function"``, the user's code, shipped
  at the asset root (see :mod:`shipment_processor.hook`).

A file the processor cannot use (unknown format, a bad field path, a
validator or hook that does not import) fails init with
:class:`ContractError` naming the problem: no message is touched by a
function that would handle it under the wrong rules.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .hook import RecordHookRunner

__all__ = [
    "CONTRACT_FILE",
    "CONTRACT_FORMAT",
    "DEFAULT",
    "KEY_ATTRIBUTES",
    "PROCESSOR_ATTRIBUTES",
    "Contract",
    "ContractError",
    "asset_root",
    "load_contract",
]

#: The contract file's name at the asset root (next to the ``shipment_processor`` package).
CONTRACT_FILE = "shipment_contract.json"
#: The only format of the file this processor reads.
CONTRACT_FORMAT = 1
#: The events table's key attributes: their names never change, whatever the contract's field names.
KEY_ATTRIBUTES = ("shipment_id", "event_timestamp")
#: Attributes the processor writes on every event item besides the key; a custom contract's ``detail``
#: (or a hook's result) holding one of these names at its top level would overwrite it, so it is refused.
PROCESSOR_ATTRIBUTES = (
    "event_id",
    "source",
    "detail_type",
    "replay_name",
    "received_at",
    "expires_at",
    "content_sha256",
)

_FILE_FIELDS = (
    "format",
    "id_field",
    "timestamp_field",
    "type_field",
    "event_types",
    "detail_schema",
    "validator_module",
    "record_hook",
)


class ContractError(ValueError):
    """The contract file cannot be used (or its validator or hook does not import); init fails with this."""


#: Checks a ``detail`` against the contract's schema: ``None`` when it passes, else the problem
#: (``$.event_data.weight_kg: must be >= 0``).
DetailCheck = Callable[[Mapping[str, Any]], "str | None"]


@dataclasses.dataclass(frozen=True, slots=True)
class Contract:
    """Where the key and type are in ``detail``, which types are allowed, and the loaded schema check and hook.

    The default contract (:data:`DEFAULT`) is the processor's original one:
    ``shipment_id``, ``event_timestamp``, ``event_type`` and an optional
    ``event_data`` object, stored exactly as before. Any other contract stores
    the whole validated ``detail`` (see :mod:`shipment_processor.items`).

    Example::

        Contract(id_field="trackingNumber", timestamp_field="occurredAt", type_field="status",
                 event_types=("created", "delivered"))
    """

    id_field: str = "shipment_id"
    timestamp_field: str = "event_timestamp"
    type_field: str = "event_type"
    #: Allowed values of the type field; ``None``: any non-empty string.
    event_types: tuple[str, ...] | None = None
    #: Name of the generated validator module (informational; :attr:`check_detail` is what runs).
    validator_module: str | None = None
    #: ``"package.module:function"`` of the record hook, if any (:attr:`hook` is what runs).
    record_hook: str | None = None
    #: The schema check loaded from the validator module.
    check_detail: DetailCheck | None = dataclasses.field(default=None, compare=False, repr=False)
    #: The record hook loaded from :attr:`record_hook`.
    hook: RecordHookRunner | None = dataclasses.field(default=None, compare=False, repr=False)
    #: The three field paths, split on dots (derived).
    id_path: tuple[str, ...] = dataclasses.field(init=False, compare=False, repr=False)
    timestamp_path: tuple[str, ...] = dataclasses.field(init=False, compare=False, repr=False)
    type_path: tuple[str, ...] = dataclasses.field(init=False, compare=False, repr=False)
    #: True when events are read and stored in the original shape (derived; a hook may still be set).
    original_shape: bool = dataclasses.field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = [
            f"{name} {value!r} is not a field name or dotted path (e.g. shipment.id)"
            for name, value in (
                ("id_field", self.id_field),
                ("timestamp_field", self.timestamp_field),
                ("type_field", self.type_field),
            )
            if type(value) is not str or not all(value.split("."))
        ]
        if self.event_types is not None and (
            not self.event_types or not all(type(value) is str and value for value in self.event_types)
        ):
            problems.append(
                f"event_types must be null or a non-empty list of non-empty strings, got {self.event_types!r}"
            )
        if problems:
            raise ContractError("invalid event contract: " + "; ".join(problems))
        object.__setattr__(self, "id_path", tuple(self.id_field.split(".")))
        object.__setattr__(self, "timestamp_path", tuple(self.timestamp_field.split(".")))
        object.__setattr__(self, "type_path", tuple(self.type_field.split(".")))
        object.__setattr__(
            self,
            "original_shape",
            (self.id_field, self.timestamp_field, self.type_field) == KEY_ATTRIBUTES + ("event_type",)
            and self.event_types is None
            and self.check_detail is None,
        )


#: The processor's original contract; what a function without a contract file serves.
DEFAULT = Contract()


def asset_root() -> str:
    """The folder that holds the ``shipment_processor`` package (``/var/task`` in Lambda): where the contract file is."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_contract(root: str | os.PathLike[str], *, with_hook: bool = True) -> Contract:
    """Read ``shipment_contract.json`` in ``root``, import its validator and hook; :data:`DEFAULT` without the file.

    ``with_hook=False`` leaves the hook unimported (checking events offline
    needs only the contract's own rules). Raises :class:`ContractError`
    naming every problem of the file, or the module that failed to import.

    Example::

        CONTRACT = load_contract(asset_root())  # once, at Lambda init
    """
    path = os.path.join(root, CONTRACT_FILE)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        return DEFAULT
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ContractError(f"{CONTRACT_FILE} is not valid JSON: {error}") from None
    if type(document) is not dict:
        raise ContractError(f"{CONTRACT_FILE} must hold a JSON object")
    problems = [f"unknown key {key!r}" for key in document if key not in _FILE_FIELDS]
    if document.get("format") != CONTRACT_FORMAT:
        problems.append(
            f"format is {document.get('format')!r}; this processor reads format {CONTRACT_FORMAT}"
            " (the construct that wrote the file is newer or older than the bundled processor)"
        )
    validator_module = document.get("validator_module")
    if document.get("detail_schema") is not None and not validator_module:
        problems.append("detail_schema is set but validator_module is not; the construct generates that module")
    if document.get("event_types") is not None and type(document["event_types"]) is not list:
        problems.append("event_types must be null or a list of strings")
    for name in ("validator_module", "record_hook"):
        if document.get(name) is not None and (type(document[name]) is not str or not document[name]):
            problems.append(f"{name} must be null or a non-empty string")
    if problems:
        raise ContractError(f"{CONTRACT_FILE}: " + "; ".join(problems))
    event_types = document.get("event_types")
    record_hook = document.get("record_hook")
    contract = Contract(
        id_field=document.get("id_field", "shipment_id"),
        timestamp_field=document.get("timestamp_field", "event_timestamp"),
        type_field=document.get("type_field", "event_type"),
        event_types=None if event_types is None else tuple(event_types),
        validator_module=validator_module,
        record_hook=record_hook,
        check_detail=_load_detail_check(root, validator_module) if validator_module else None,
    )
    if record_hook and with_hook:
        from .hook import load_record_hook  # only a function with a hook pays for importing it

        contract = dataclasses.replace(contract, hook=load_record_hook(record_hook, contract, root))
    return contract


def _load_detail_check(root: str | os.PathLike[str], module_name: str) -> DetailCheck:
    """Import the generated validator module from its file in ``root`` and wrap it as a :data:`DetailCheck`."""
    import importlib.util  # only a function with a schema pays for it

    from .schema_errors import describe_schema_error

    path = os.path.join(root, f"{module_name}.py")
    if not os.path.isfile(path):
        raise ContractError(f"{CONTRACT_FILE} names validator_module {module_name!r}, but {module_name}.py is missing")
    # Loaded from its file and not registered in sys.modules: two contracts in one process (tests, the
    # CLI) each keep their own validator.
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        validate = module.validate
        schema_error = module.JsonSchemaValueException
    except Exception as error:
        raise ContractError(
            f"the validator module {module_name!r} could not be loaded: {type(error).__name__}: {error}"
        ) from error

    def check_detail(detail: Mapping[str, Any]) -> str | None:
        try:
            validate(detail)
        except schema_error as error:
            return describe_schema_error(error)
        return None

    return check_detail
