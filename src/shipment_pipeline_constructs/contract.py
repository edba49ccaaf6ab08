"""What a pipeline accepts (:class:`EventContract`) and the user's own processing step (:class:`RecordHook`).

Both are plain frozen dataclasses with no aws-cdk-lib import, so the
operator commands (``shipment-pipeline schema`` / ``validate``) can read them
as well as the construct. Their ``collect_problems`` methods report every
reason the value cannot be used, in the style of the option groups
(:mod:`shipment_pipeline_constructs.options`): the construct lists them with
its other prop problems in one ``PipelineValidationError``.

The construct carries the contract to the bundled processor in the
function's code asset (:mod:`shipment_pipeline_constructs.handler_asset`):
a ``shipment_contract.json`` file, a validator generated from
``detail_schema``, and a copy of the hook's module. With the default
contract and no hook the asset is exactly the bundled processor.
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import defaults

if TYPE_CHECKING:
    from .validation import Problems

__all__ = [
    "CONTRACT_FILE",
    "CONTRACT_FORMAT",
    "PROCESSOR_PACKAGE",
    "VALIDATOR_MODULE",
    "EventContract",
    "RecordHook",
]

#: The file at the asset root that tells the processor its contract.
CONTRACT_FILE = "shipment_contract.json"
#: The version of that file's layout.
CONTRACT_FORMAT = 1
#: The module generated from ``detail_schema`` at the asset root (``shipment_contract_validator.py``).
VALIDATOR_MODULE = "shipment_contract_validator"
#: The bundled processor's package, next to which the hook is shipped.
PROCESSOR_PACKAGE = defaults.HANDLER.split(".")[0]

#: Top-level modules a hook must not be named after: the asset root comes first on the function's
#: ``sys.path``, so a hook called ``json`` or ``botocore`` would replace that module for the processor too.
_RUNTIME_MODULES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})
_RESERVED_MODULES = frozenset({PROCESSOR_PACKAGE, Path(CONTRACT_FILE).stem, VALIDATOR_MODULE})
_MODULE_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class RecordHook:
    """Your own processing step: a function of yours, called once per valid event, returning what to store.

    The module is copied into the function's code asset next to the bundled
    processor and imported once, when the function starts (an import error
    fails the start, naming the module). For each event that passed the
    contract's checks, before the write, the processor calls
    ``function(event)`` with a read-only ``HookEvent`` (``shipment_id``,
    ``event_timestamp``, ``event_type``, the validated ``detail``, and the
    envelope's ``event_id``, ``source``, ``detail_type``, ``replay_name``)
    and stores the mapping it returns besides the key. Its rules:

    * the key cannot change: the stored item's ``shipment_id`` and
      ``event_timestamp`` come from the contract's fields; a result that
      changes them is an error;
    * what it returns is checked against DynamoDB's limits like any item;
    * ``raise RejectEvent("reason")`` (``from shipment_processor import
      RejectEvent``) quarantines the event with that reason;
    * any other exception means the record is retried and, on its last
      receive, dead-lettered with an error record carrying the exception's
      type and message;
    * idempotency is unaffected: duplicates are recognised by the event as
      validated, before the hook, so a hook adding a changing value never
      turns a redelivery into a conflict.

    Test it without AWS with :mod:`shipment_pipeline_constructs.testing`,
    which runs events through the real processor and your hook.

    Create one with :meth:`from_file`.

    Example::

        from pathlib import Path
        from shipment_pipeline_constructs import ProcessorOptions, RecordHook

        hook = RecordHook.from_file(Path(__file__).parent / "hooks" / "enrich.py", "enrich:add_region")
        ShipmentEventPipeline(stack, "Pipeline", processor=ProcessorOptions(record_hook=hook))

    Attributes:
        path: The hook's module: a ``.py`` file, or a package folder (holding ``__init__.py``).
        entry_point: ``"module:function"``: the module as the function imports it (the file's
            name without ``.py``, the package's folder name, or a module inside that package,
            ``"hooks.enrich"``) and the function's name.
    """

    path: str
    entry_point: str

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], entry_point: str) -> RecordHook:
        """The hook ``entry_point`` (``"module:function"``) of the file or package folder ``path``.

        Example::

            RecordHook.from_file("hooks/enrich.py", "enrich:add_region")
            RecordHook.from_file("my_hooks", "my_hooks.shipping:redact")  # a package folder
        """
        return cls(path=os.fspath(path), entry_point=entry_point)

    @property
    def module(self) -> str:
        """The module part of :attr:`entry_point` (``"enrich"``, ``"hooks.enrich"``)."""
        return self.entry_point.partition(":")[0]

    @property
    def function(self) -> str:
        """The function part of :attr:`entry_point`."""
        return self.entry_point.partition(":")[2]

    @property
    def top_level(self) -> str:
        """The name the module is shipped under at the asset root: the file's stem or the package's folder name."""
        source = Path(self.path)
        return source.stem if source.suffix == ".py" else source.name

    def collect_problems(self, problems: Problems, prop: str = "processor.record_hook") -> None:
        """Add a problem for a missing file, a module name that does not match it, or a bad function name."""
        if problems.mistyped(f"{prop}.path") or problems.mistyped(f"{prop}.entry_point"):
            return  # its one problem is the type
        source = Path(self.path)
        if source.is_file() and source.suffix != ".py":
            problems.add(f"{prop}.path must be a .py file or a package folder, got {self.path!r}")
            return
        if not source.exists():
            problems.add(f"{prop}.path {self.path!r} does not exist (a relative path is read from the app's folder)")
            return
        if source.is_dir() and not (source / "__init__.py").is_file():
            problems.add(f"{prop}.path {self.path!r} is a folder without __init__.py: give a package or a .py file")
            return
        module, colon, function = self.entry_point.partition(":")
        if not colon or not _MODULE_PATH.fullmatch(module) or any(keyword.iskeyword(p) for p in module.split(".")):
            problems.add(
                f"{prop}.entry_point must be 'module:function' with a Python module name, got {self.entry_point!r}"
            )
            return
        if not function.isidentifier() or keyword.iskeyword(function):
            problems.add(f"{prop}.entry_point's function must be a Python identifier, got {function!r}")
            return
        top = module.split(".")[0]
        if top != self.top_level:
            problems.add(
                f"{prop}.entry_point names module {module!r}, but {self.path!r} is shipped as module "
                f"{self.top_level!r}: write '{self.top_level}{module[len(top) :]}:{function}'"
            )
            return
        if top in _RESERVED_MODULES or top in _RUNTIME_MODULES or top in sys.stdlib_module_names:
            problems.add(
                f"{prop} module {top!r} would shadow the module of that name the processor imports "
                "(the hook ships at the root of the function's code): rename the file or package"
            )
            return
        self._check_function(problems, prop, source, module, function)

    def _check_function(self, problems: Problems, prop: str, source: Path, module: str, function: str) -> None:
        file = _module_file(source, module)
        if file is None:
            problems.add(f"{prop}: module {module!r} is not in {self.path!r}")
            return
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        except (SyntaxError, UnicodeDecodeError, ValueError) as error:
            problems.add(f"{prop}: {file} cannot be compiled: {error}")
            return
        if function not in _top_level_names(tree):
            problems.add(f"{prop}: {file} defines no top-level {function!r} (entry point {self.entry_point!r})")


@dataclass(frozen=True)
class EventContract:
    """What the pipeline accepts: where the key fields are in ``detail``, the allowed types, a JSON Schema.

    The default contract is the bundled processor's own: ``detail.shipment_id``,
    ``detail.event_timestamp`` and ``detail.event_type``, any type, no schema.
    A field path is a top-level name in ``detail`` or a dotted path into
    nested objects (``"shipment.id"``).

    What is stored: the events table keeps its key attributes, ``shipment_id``
    and ``event_timestamp``, filled from ``id_field`` and ``timestamp_field``
    (the timestamp in the same canonical UTC form whatever offset the producer
    wrote); the rest of the item is the validated ``detail`` as sent (or what
    the record hook returns), under its own names.

    ``detail_schema`` is a JSON Schema, draft-07 (also draft-04 and draft-06;
    a schema without ``$schema`` is read as draft-07; draft 2020-12 is refused
    at synth): the validator is generated from it at synth time and shipped in
    the function's code, with no runtime dependency. A record that breaks it
    is quarantined with an error record naming the JSON path and the rule
    (``$.event_data.weight_kg: must be >= 0``).

    Example::

        EventContract(
            id_field="trackingNumber",
            timestamp_field="occurredAt",
            type_field="status",
            event_types=["LABEL_CREATED", "IN_TRANSIT", "DELIVERED"],
            detail_schema={"type": "object", "required": ["event_data"], "properties": {...}},
            publish_schema=True,
        )

    Attributes:
        id_field: Where the shipment id is. Default: ``"shipment_id"``.
        timestamp_field: Where the event's instant is (RFC 3339 with an offset). Default: ``"event_timestamp"``.
        type_field: Where the event's type is. Default: ``"event_type"``.
        event_types: The allowed values of the type field; any other value is
            quarantined with a reason naming it and the allowed set. Default: ``None`` (any non-empty string).
        detail_schema: A JSON Schema (draft-07) the whole ``detail`` must satisfy. Default: ``None``.
        publish_schema: Publish the event's schema (envelope and ``detail``) to
            an EventBridge schema registry of the pipeline's own (type
            ``JSONSchemaDraft4``), so producers can download code bindings. A
            ``detail_schema`` keyword draft-04 cannot express is a synth-time error. Default: ``False``.
    """

    id_field: str = defaults.CONTRACT_ID_FIELD
    timestamp_field: str = defaults.CONTRACT_TIMESTAMP_FIELD
    type_field: str = defaults.CONTRACT_TYPE_FIELD
    event_types: Sequence[str] | None = None
    detail_schema: Mapping[str, Any] | None = None
    publish_schema: bool = False

    @property
    def is_default(self) -> bool:
        """True when the processor needs nothing beyond its built-in rules (``publish_schema`` aside)."""
        return (
            (self.id_field, self.timestamp_field, self.type_field)
            == (defaults.CONTRACT_ID_FIELD, defaults.CONTRACT_TIMESTAMP_FIELD, defaults.CONTRACT_TYPE_FIELD)
            and self.event_types is None
            and self.detail_schema is None
        )

    def to_document(self, *, record_hook: RecordHook | None = None) -> dict[str, Any]:
        """The ``shipment_contract.json`` document the processor reads (its layout is :data:`CONTRACT_FORMAT`)."""
        return {
            "format": CONTRACT_FORMAT,
            "id_field": self.id_field,
            "timestamp_field": self.timestamp_field,
            "type_field": self.type_field,
            "event_types": list(self.event_types) if self.event_types is not None else None,
            "detail_schema": self.schema_document(),
            "validator_module": VALIDATOR_MODULE if self.detail_schema is not None else None,
            "record_hook": record_hook.entry_point if record_hook else None,
        }

    def schema_document(self) -> dict[str, Any] | None:
        """``detail_schema`` as plain JSON (``dict``/``list``, as ``json`` writes it), or ``None``."""
        return _plain(self.detail_schema) if self.detail_schema is not None else None

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> EventContract:
        """The contract a ``shipment_contract.json`` document describes (``publish_schema`` is not in it)."""
        types = document.get("event_types")
        return cls(
            id_field=document.get("id_field", defaults.CONTRACT_ID_FIELD),
            timestamp_field=document.get("timestamp_field", defaults.CONTRACT_TIMESTAMP_FIELD),
            type_field=document.get("type_field", defaults.CONTRACT_TYPE_FIELD),
            event_types=tuple(types) if types is not None else None,
            detail_schema=document.get("detail_schema"),
        )

    def collect_problems(self, problems: Problems, prop: str = "contract") -> None:
        """Add a problem for every field path, type list or schema the processor cannot use."""
        paths = {
            name: getattr(self, name)
            for name in ("id_field", "timestamp_field", "type_field")
            if not problems.mistyped(f"{prop}.{name}")
        }
        for name, path in paths.items():
            if not _is_field_path(path):
                problems.add(
                    f"{prop}.{name} must be a field name in detail or a dotted path of non-empty names "
                    f"(e.g. 'shipment.id'), got {path!r}"
                )
        valid = {name: path for name, path in paths.items() if _is_field_path(path)}
        for first, second in _overlapping(valid):
            problems.add(
                f"{prop}.{first} ({valid[first]!r}) and {prop}.{second} ({valid[second]!r}) must be different "
                "fields, neither inside the other"
            )
        if self.event_types is not None and not problems.mistyped(f"{prop}.event_types"):
            _check_event_types(problems, f"{prop}.event_types", self.event_types)
        if self.detail_schema is not None and not problems.mistyped(f"{prop}.detail_schema"):
            self._check_schema(problems, f"{prop}.detail_schema")

    def _check_schema(self, problems: Problems, prop: str) -> None:
        from .schema_codegen import schema_problems

        schema = self.schema_document()
        found = schema_problems(schema)
        for problem in found:
            problems.add(f"{prop}: {problem}")
        if self.publish_schema and not found:
            from .schema_draft4 import draft4_problems

            for problem in draft4_problems(schema):
                problems.add(f"{prop} cannot be published as JSONSchemaDraft4 (publish_schema=True): {problem}")


def _check_event_types(problems: Problems, prop: str, event_types: Sequence[str]) -> None:
    if not event_types:
        problems.add(f"{prop} must list at least one type, got an empty list: give the types, or None for any")
        return
    empty = [value for value in event_types if not value.strip()]
    if empty:
        problems.add(f"{prop} must hold non-empty strings, got {empty!r}")
    repeated = sorted({value for value in event_types if list(event_types).count(value) > 1})
    if repeated:
        problems.add(f"{prop} lists {', '.join(repr(value) for value in repeated)} more than once")


def _is_field_path(path: str) -> bool:
    return bool(path) and all(part and part == part.strip() for part in path.split("."))


def _overlapping(paths: Mapping[str, str]) -> list[tuple[str, str]]:
    names = list(paths)
    return [
        (first, second)
        for index, first in enumerate(names)
        for second in names[index + 1 :]
        if paths[first] == paths[second]
        or paths[first].startswith(paths[second] + ".")
        or paths[second].startswith(paths[first] + ".")
    ]


def _module_file(source: Path, module: str) -> Path | None:
    """The file defining ``module`` inside the hook's ``source`` (a ``.py`` file or a package folder)."""
    if source.is_file():
        return source if "." not in module else None
    inner = module.split(".")[1:]
    candidate = source.joinpath(*inner)
    for file in (candidate / "__init__.py", candidate.with_suffix(".py") if inner else None):
        if file is not None and file.is_file():
            return file
    return None


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _plain(value: Any) -> Any:
    """``value`` with every mapping a ``dict`` and every sequence (not a string) a ``list``: JSON as ``json`` writes it."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
