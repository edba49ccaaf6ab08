"""A synthesized pipeline's event contract, read from its function's asset, and events checked against it offline.

What ``schema``, ``validate`` and ``send`` use. The contract is read from
the code folder the template's function points at (``shipment_contract.json``
at its root; the default contract without it), and events are checked by the
bundled processor's own parser from that same folder
(:class:`ProcessorChecks`): the code that runs in Lambda, imported in
isolation, never a copy of its rules.

An event to check is a PutEvents entry (``Source``, ``DetailType``,
``Detail`` as a JSON string), which is wrapped in an envelope as EventBridge
does, or a whole event as the rule delivers it (``source``, ``detail-type``,
``detail``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
import urllib.request
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ..contract import CONTRACT_FILE, PROCESSOR_PACKAGE, VALIDATOR_MODULE, EventContract
from ..event_schema import event_schema
from ..template_reader import PipelineTemplate
from .aws import Connection, OperationError

__all__ = [
    "MAX_CODE_BYTES",
    "AssetContract",
    "ProcessorChecks",
    "deployed_code",
    "entry_body",
    "event_body",
]

#: Lambda's limit on an unzipped deployment package: a download larger than this is not a function's code.
MAX_CODE_BYTES = 250 * 1024 * 1024


@dataclass(frozen=True)
class AssetContract:
    """The contract of one synthesized pipeline.

    Attributes:
        code_dir: The function's code folder in the cloud assembly.
        contract: The contract its ``shipment_contract.json`` holds (the default one without that file).
        record_hook: The hook's ``"module:function"``, or ``None``.
        sources: The ``source`` values the rule matches, when it lists literal ones.
        detail_types: The ``detail-type`` values the rule matches, when it lists literal ones.
    """

    code_dir: Path
    contract: EventContract
    record_hook: str | None = None
    sources: tuple[str, ...] | None = None
    detail_types: tuple[str, ...] | None = None

    @classmethod
    def of_pipeline(cls, pipeline: PipelineTemplate) -> AssetContract:
        """The contract of ``pipeline``, read from the code folder its template names."""
        from ..local.template import code_dir

        pattern = pipeline.properties("rule").get("EventPattern", {})
        return cls.of_code_dir(
            code_dir(pipeline),
            sources=_literals(pattern.get("source")),
            detail_types=_literals(pattern.get("detail-type")),
        )

    @classmethod
    def of_code_dir(
        cls,
        folder: Path,
        *,
        sources: Sequence[str] | None = None,
        detail_types: Sequence[str] | None = None,
    ) -> AssetContract:
        """The contract in the code folder ``folder``, behind a rule matching ``sources`` and ``detail_types``.

        ``None``: the rule's values are not known (any string).
        """
        path = Path(folder) / CONTRACT_FILE
        document: Mapping[str, Any] = {}
        if path.is_file():
            try:
                document = json.loads(path.read_text())
            except ValueError as error:
                raise OperationError(f"{path} is not valid JSON ({error}): synthesize the app again") from None
        return cls(
            code_dir=Path(folder),
            contract=EventContract.from_document(document),
            record_hook=document.get("record_hook"),
            sources=tuple(sources) if sources else None,
            detail_types=tuple(detail_types) if detail_types else None,
        )

    def schema(self) -> dict[str, Any]:
        """The draft-07 JSON Schema of the events the pipeline accepts (envelope and ``detail``)."""
        return event_schema(self.contract, sources=self.sources, detail_types=self.detail_types)

    def rule_problem(self, envelope: Mapping[str, Any]) -> str | None:
        """Why the rule would not deliver ``envelope`` to the pipeline (its source or detail-type), or ``None``."""
        for field, allowed in (("source", self.sources), ("detail-type", self.detail_types)):
            if allowed and envelope.get(field) not in allowed:
                listed = ", ".join(repr(value) for value in allowed)
                return f"{field} {envelope.get(field)!r} is not matched by the pipeline's rule ({listed})"
        return None


class ProcessorChecks:
    """The bundled processor's parser from a code folder, imported in isolation, with that folder's contract.

    Use it as a context manager: on entry the folder's ``shipment_processor``
    (and the generated validator) is imported, on exit whatever modules of
    those names were imported before are put back.

    Example::

        with ProcessorChecks(asset.code_dir) as checks:
            reason = checks.problem(body)  # None when the processor would accept the event
    """

    def __init__(self, code_dir: Path) -> None:
        self.code_dir = Path(code_dir)
        self._saved: dict[str, ModuleType] = {}
        self._parse: Callable[[str], Any] | None = None

    def __enter__(self) -> ProcessorChecks:
        self._saved = _pop_modules((PROCESSOR_PACKAGE, VALIDATOR_MODULE))
        sys.path.insert(0, str(self.code_dir))
        try:
            events = importlib.import_module(f"{PROCESSOR_PACKAGE}.events")
            self._parse = _parser(events, self.code_dir)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(self.code_dir))
        _pop_modules((PROCESSOR_PACKAGE, VALIDATOR_MODULE))
        sys.modules.update(self._saved)

    def problem(self, body: str) -> str | None:
        """Why the processor would quarantine the SQS message ``body`` (``reason: message``), or ``None``."""
        if self._parse is None:
            raise RuntimeError("ProcessorChecks is used outside its with block")
        result = self._parse(body)
        reason = getattr(result, "reason", None)
        if reason is None:
            return None
        return f"{getattr(reason, 'value', reason)}: {result.message}"


def entry_body(entry: Mapping[str, Any], *, index: int) -> tuple[str | None, str]:
    """The body the queue would receive for the PutEvents ``entry``: ``(None, body)`` or ``(problem, "")``.

    The ``Detail`` text is kept as written (the processor refuses a key that
    appears twice, which re-serializing would hide). ``index`` numbers the
    event id, so each entry gets its own.
    """
    detail = entry.get("Detail")
    if not isinstance(detail, str):
        return "the entry has no Detail string (PutEvents requires one)", ""
    try:
        parsed = json.loads(detail)
    except ValueError as error:
        return f"Detail is not valid JSON ({error}); PutEvents refuses it", ""
    if not isinstance(parsed, dict):
        return f"Detail must be a JSON object, got a JSON {type(parsed).__name__}; PutEvents refuses it", ""
    envelope = {
        **_envelope_defaults(index),
        "detail-type": entry.get("DetailType"),
        "source": entry.get("Source"),
        "time": entry.get("Time") or "2025-01-01T00:00:00Z",
        "resources": list(entry.get("Resources") or []),
    }
    return None, json.dumps(envelope)[:-1] + ', "detail": ' + detail + "}"


def event_body(line: Mapping[str, Any], *, index: int) -> tuple[str | None, str, Mapping[str, Any]]:
    """``(problem, body, envelope)`` for one event written as a PutEvents entry or as a whole event."""
    if "Detail" in line or "Source" in line:
        problem, body = entry_body(line, index=index)
        return problem, body, {"source": line.get("Source"), "detail-type": line.get("DetailType")}
    if "detail" in line:
        # What EventBridge adds to every event, where the line leaves it out.
        envelope = {**_envelope_defaults(index), **line}
        return None, json.dumps(envelope), envelope
    return "neither a PutEvents entry (Source, DetailType, Detail) nor an event (source, detail-type, detail)", "", {}


def _envelope_defaults(index: int) -> dict[str, Any]:
    """The envelope fields EventBridge sets on every event (an id numbered by ``index``)."""
    return {
        "version": "0",
        "id": f"00000000-0000-4000-8000-{index:012d}",
        "account": "000000000000",
        "time": "2025-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
    }


def deployed_code(conn: Connection, function_name: str, folder: Path) -> Path:
    """Download the deployed function's code (``GetFunction``'s presigned URL) and unzip it into ``folder``.

    Raises the ``ClientError`` of ``GetFunction`` (e.g. ``ResourceNotFoundException``) and
    :class:`OperationError` when the download fails or is not a zip of the function's code.
    """
    client = conn.session.client("lambda", region_name=conn.region_name, endpoint_url=conn.endpoint_url)
    location = client.get_function(FunctionName=function_name)["Code"].get("Location")
    if not location or not location.startswith("https://"):
        raise OperationError(f"function {function_name}'s code has no download location (is it a container image?)")
    try:
        with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310 - an https URL from Lambda
            data = response.read(MAX_CODE_BYTES + 1)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_CODE_BYTES:
                raise OperationError(f"function {function_name}'s code unzips to more than Lambda allows")
            archive.extractall(folder)
    except (OSError, zipfile.BadZipFile) as error:
        raise OperationError(f"cannot download function {function_name}'s code: {error}") from None
    return folder


def _parser(events: ModuleType, code_dir: Path) -> Callable[[str], Any]:
    """The processor's ``parse_event`` with the folder's contract (a processor from before contracts takes none)."""
    try:
        contract_module = importlib.import_module(f"{PROCESSOR_PACKAGE}.contract")
    except ModuleNotFoundError as error:
        if error.name != f"{PROCESSOR_PACKAGE}.contract":
            raise
        if (code_dir / CONTRACT_FILE).is_file():
            raise OperationError(
                f"{code_dir} holds a contract, but its processor cannot read one: synthesize the app again"
            ) from None
        return events.parse_event  # type: ignore[no-any-return]
    # The hook is not run offline: only the contract's own rules (fields, types, schema) are checked.
    contract = contract_module.load_contract(code_dir, with_hook=False)
    return lambda body: events.parse_event(body, contract)


def _pop_modules(packages: Sequence[str]) -> dict[str, ModuleType]:
    names = [name for name in sys.modules if any(name == p or name.startswith(p + ".") for p in packages)]
    return {name: sys.modules.pop(name) for name in names}


def _literals(values: Any) -> tuple[str, ...] | None:
    if isinstance(values, list) and values and all(isinstance(value, str) for value in values):
        return tuple(values)
    return None
