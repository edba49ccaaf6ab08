"""The record hook: the user's function that shapes what is stored for each valid event.

A contract may name a hook, ``"package.module:function"``, shipped at the
asset root next to this package. Its module is imported once, at init (an
import error fails init with :class:`~shipment_processor.contract.ContractError`
naming the module). The processor then calls the function once per valid
event, after the contract's checks and before the write::

    from shipment_processor import HookEvent, RejectEvent

    def enrich(event: HookEvent) -> dict:
        if event.event_type == "test":
            raise RejectEvent("test events are not stored")
        data = dict(event.detail.get("event_data") or {})
        data.pop("recipient_phone", None)  # redact
        return {**event.detail, "event_data": data, "region": event.detail["origin"][:2]}  # enrich

Input: a :class:`HookEvent` (read-only: the key values, the type, the
validated ``detail`` and the envelope's fields). Output: a mapping of the
attributes to store besides the key (what ``detail`` would have given
without a hook). The rules:

* ``raise RejectEvent(reason)``: the event is quarantined (error record
  ``rejected_by_hook`` with the reason, a copy on the quarantine queue);
* any other exception: the record is retried; on its last receive SQS moves
  it to the dead-letter queue and its error record carries the exception's
  type (``error_type``) and message. A result the processor cannot store is
  treated alike (:class:`HookResultError`): the event is fine, the hook is not;
* the hook cannot change the key: a result whose id or timestamp field (or a
  ``shipment_id``/``event_timestamp`` attribute) differs from the event's is a
  :class:`HookResultError`;
* the result is checked against DynamoDB's limits as ``detail`` is (types,
  nesting, empty keys, numbers); a finite ``float`` is stored as the shortest
  decimal that reads back as it (``0.1`` is stored as 0.1); it may not hold
  an attribute the processor writes (``source``, ``received_at`` ...). A
  value passed on from ``event.detail`` (the same object) was checked with
  the event and is not walked again, which is why its nested values must
  not be changed in place;
* idempotency is unaffected: the content fingerprint is taken over the
  validated event before the hook runs, so a hook that adds a changing value
  (a timestamp, a lookup) never turns a redelivery into a conflict.

The records of a batch are processed concurrently (up to 10 at a time, on
the writer threads), so the hook may run in several threads at once: state
it keeps between calls (a cache, a client) must be safe to share.

The hook runs before the write, so on every delivery of an event, a
redelivery that turns out to be a duplicate included: keep it free of side
effects, or make them idempotent.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .contract import KEY_ATTRIBUTES, PROCESSOR_ATTRIBUTES, Contract, ContractError
from .events import ShipmentEvent, storage_problem

__all__ = ["HookEvent", "HookResultError", "RecordHookRunner", "RejectEvent", "load_record_hook"]

_SHOWN_CHARS = 80
_ABSENT = object()


class RejectEvent(Exception):  # noqa: N818  # the name says what the hook does with it
    """Raise in a record hook to quarantine the event with ``reason`` (stored on its error record)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = str(reason)


class HookResultError(ValueError):
    """The record hook returned something the processor cannot store, or changed the key (the record is retried)."""


@dataclasses.dataclass(frozen=True, slots=True)
class HookEvent:
    """What a record hook gets: one valid event, read-only.

    ``shipment_id`` and ``event_timestamp`` are the stored key (read from the
    contract's fields, the timestamp in canonical UTC form:
    ``2025-10-13T10:30:00.000000000Z``); ``event_type`` is the type field's
    value. ``detail`` is the validated ``detail``, read-only at the top level
    (numbers are ``int`` or ``Decimal``; the nested values are shared with the
    processor: copy before changing them). Under the default contract it
    holds ``shipment_id``, ``event_timestamp`` (canonical), ``event_type`` and
    ``event_data`` when present. The rest is the EventBridge envelope:
    ``event_id`` (``id``), ``source``, ``detail_type`` (``detail-type``) and
    ``replay_name`` (``replay-name``, set only on archive replays).
    """

    shipment_id: str
    event_timestamp: str
    event_type: str
    detail: Mapping[str, Any]
    event_id: str
    source: str
    detail_type: str
    replay_name: str | None


class RecordHookRunner:
    """Calls a loaded hook function for one event and checks what it returns (see the module docstring)."""

    #: What the hook raises to quarantine an event (the processor catches it through the runner, so a
    #: function without a hook never imports this module).
    RejectEvent = RejectEvent

    def __init__(self, spec: str, function: Callable[[HookEvent], Mapping[str, Any]], contract: Contract) -> None:
        #: ``"package.module:function"``, as the contract names it (for logs and error records).
        self.spec = spec
        self._function = function
        self._contract = contract

    def apply(self, event: ShipmentEvent) -> dict[str, Any]:
        """The attributes to store for ``event`` besides the key; raises ``RejectEvent``, ``HookResultError`` or the hook's own error."""
        detail = event.detail if event.detail is not None else original_detail(event)
        result = self._function(
            HookEvent(
                shipment_id=event.shipment_id,
                event_timestamp=event.event_timestamp,
                event_type=event.event_type,
                detail=MappingProxyType(detail),
                event_id=event.event_id,
                source=event.source,
                detail_type=event.detail_type,
                replay_name=event.replay_name,
            )
        )
        return self._checked(result, detail, event)

    def _checked(self, result: Any, detail: Mapping[str, Any], event: ShipmentEvent) -> dict[str, Any]:
        if type(result) is not dict and not isinstance(result, Mapping):  # the exact check first: ABC checks are slow
            raise HookResultError(
                f"the record hook {self.spec} returned {type(result).__name__}; it must return a mapping of"
                " attribute names to values (e.g. {**event.detail, 'region': 'EU'})"
            )
        attributes: dict[str, Any] = {}
        for name, value in result.items():
            if value is detail.get(name, _ABSENT):  # passed on from the validated detail: checked already
                attributes[name] = value
                continue
            checked = _storable({name: value}, "the hook's result")
            problem = storage_problem(checked, "the hook's result")
            if problem is not None:
                raise HookResultError(f"the record hook {self.spec} returned a value DynamoDB cannot store: {problem}")
            attributes.update(checked)
        reserved = [name for name in attributes if name in PROCESSOR_ATTRIBUTES]
        if reserved:
            raise HookResultError(
                f"the record hook {self.spec} returned {', '.join(map(repr, reserved))}, attribute(s) the"
                " processor writes itself"
            )
        contract = self._contract
        for field, path in ((contract.id_field, contract.id_path), (contract.timestamp_field, contract.timestamp_path)):
            changed = _at(attributes, path)
            if changed is not None and changed != _at(detail, path):
                raise HookResultError(
                    f"the record hook {self.spec} changed {field} from {_show(_at(detail, path))} to {_show(changed)};"
                    " the key comes from it, and a hook cannot change the key"
                )
        for name, value in zip(KEY_ATTRIBUTES, (event.shipment_id, event.event_timestamp), strict=True):
            if (
                name in attributes
                and name not in (contract.id_field, contract.timestamp_field)
                and attributes[name] != value
            ):
                raise HookResultError(
                    f"the record hook {self.spec} returned {name} {_show(attributes[name])}, but the event's key is"
                    f" {_show(value)}; a hook cannot change the key"
                )
        return attributes


def original_detail(event: ShipmentEvent) -> dict[str, Any]:
    """The default contract's ``detail`` as a hook sees it: the four fields it stores, the timestamp canonical."""
    detail: dict[str, Any] = {
        "shipment_id": event.shipment_id,
        "event_timestamp": event.event_timestamp,
        "event_type": event.event_type,
    }
    if event.event_data is not None:
        detail["event_data"] = event.event_data
    return detail


def load_record_hook(spec: str, contract: Contract, root: str | Any) -> RecordHookRunner:
    """Import the hook ``"package.module:function"`` from ``root`` (the asset root) once; :class:`ContractError` if it fails."""
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name or not all(part.isidentifier() for part in module_name.split(".")):
        raise ContractError(f"record_hook {spec!r} must be 'package.module:function'")
    folder = str(root)
    # In Lambda the asset root (/var/task) is on sys.path already; elsewhere (tests, the harness) it is added.
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise ContractError(
            f"the record hook module {module_name!r} could not be imported: {type(error).__name__}: {error}"
        ) from error
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ContractError(f"the record hook module {module_name!r} has no function {function_name!r}")
    return RecordHookRunner(spec, function, contract)


def _storable(value: Any, where: str) -> Any:
    """``value`` with finite floats as ``Decimal``; ``HookResultError`` for a non-string key or a NaN/infinity."""
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise HookResultError(f"{where} holds {value}, which DynamoDB cannot store")
        return Decimal(repr(value))
    if kind is dict:
        converted = {}
        for key, element in value.items():
            if type(key) is not str:
                raise HookResultError(f"{where} has the key {key!r}; attribute and map keys must be strings")
            converted[key] = _storable(element, f"{where}[{key!r}]")
        return converted
    if kind is list:
        return [_storable(element, f"{where}[{index}]") for index, element in enumerate(value)]
    return value


def _at(document: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = document
    for step in path:
        if type(value) is not dict:  # both the parsed detail and the checked result are plain dicts
            return None
        value = value.get(step)
    return value


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."
