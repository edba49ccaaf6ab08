"""The bundled handler, loaded from the cloud assembly's asset folder and invoked in-process.

What runs is exactly what a deploy would upload: the folder the template's
``Code`` points at, imported with the function's environment from the
template (``Ref`` / ``Fn::GetAtt`` resolved to the emulator's resources).

Differences from Lambda, on purpose: one execution environment serves every
concurrent invocation (the handler's module-level clients and thread pool
are shared; botocore clients are thread-safe), the asset's modules (the
handler's package, a contract's generated validator, a record hook) are
imported afresh for each run (a cold start per run; modules of the same names
imported before, e.g. by unit tests, are put back afterwards), and the function timeout is only
reported through ``context.get_remaining_time_in_millis()``, not enforced.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from .emulator import ACCOUNT_ID, REGION

__all__ = ["FunctionOutput", "LambdaContext", "LocalFunction"]


@dataclasses.dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers use."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: float
    aws_request_id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = dataclasses.field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's timeout, as Lambda's context reports them."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LocalFunction:
    """The handler named by the template's ``Handler``, imported from ``code_dir`` with ``environment`` set.

    Import only inside :func:`~shipment_pipeline_constructs.local.emulator.emulator_environment`,
    so the handler's import-time clients point at the emulator.
    """

    def __init__(
        self,
        *,
        code_dir: Path,
        handler: str,
        environment: dict[str, str],
        name: str,
        timeout_seconds: float,
        memory_mb: int,
    ) -> None:
        self.name = name
        self.timeout_seconds = timeout_seconds
        self.memory_mb = memory_mb
        module_name, _, attribute = handler.rpartition(".")
        self.code_dir = code_dir
        # Every top-level module of the asset (the handler's package, and with a contract its generated
        # validator and the record hook): a module of the same name imported before, e.g. by another
        # app's run in this process, must not stand in for this asset's.
        self._packages = sorted({module_name.split(".")[0], *_top_level_modules(code_dir)})
        self._saved_modules = _pop_modules(self._packages)
        try:
            self.module = _import(code_dir, module_name, environment)
        except BaseException:
            self.close()
            raise
        self._handler: Callable[[dict, Any], Any] = getattr(self.module, attribute)

    def close(self) -> None:
        """Forget the imported handler and give back whatever modules of that name were imported before."""
        _pop_modules(self._packages)
        sys.modules.update(self._saved_modules)

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler on ``event`` with a Lambda-like context; return what it returns."""
        context = LambdaContext(
            function_name=self.name,
            memory_limit_in_mb=self.memory_mb,
            timeout_seconds=self.timeout_seconds,
            log_group_name=f"/aws/lambda/{self.name}",
        )
        return self._handler(event, context)

    def botocore_clients(self) -> list[Any]:
        """The module-level botocore clients of the handler module (where faults are injected)."""
        return [
            value for value in vars(self.module).values() if hasattr(value, "meta") and hasattr(value.meta, "events")
        ]


def _pop_modules(packages: list[str]) -> dict[str, ModuleType]:
    names = [name for name in sys.modules if any(name == p or name.startswith(p + ".") for p in packages)]
    return {name: sys.modules.pop(name) for name in names}


def _top_level_modules(code_dir: Path) -> set[str]:
    """The modules and packages at the root of ``code_dir`` (what ``import NAME`` finds there)."""
    return {
        path.stem if path.suffix == ".py" else path.name
        for path in code_dir.iterdir()
        if (path.suffix == ".py" and path.is_file()) or (path / "__init__.py").is_file()
    }


def _import(code_dir: Path, module_name: str, environment: dict[str, str]) -> ModuleType:
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    sys.path.insert(0, str(code_dir))
    try:
        return importlib.import_module(module_name)
    finally:
        sys.path.remove(str(code_dir))
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class FunctionOutput:
    """What the function writes while a run lasts: its EMF documents and its log records, kept off the terminal.

    Lambda sends a function's stdout and log records to CloudWatch Logs;
    locally they would bury the summary. Lines printed by the invoking
    threads (named ``thread_prefix...``) are kept in :attr:`documents`; records
    of the ``logger_name`` logger are kept as JSON lines in :attr:`log_lines`
    (the handler's own ``extra`` fields included). Other threads print as usual.
    """

    def __init__(self, *, thread_prefix: str, logger_name: str) -> None:
        self.documents: list[str] = []
        self.log_lines: list[str] = []
        self._thread_prefix = thread_prefix
        self._logger = logging.getLogger(logger_name)
        self._handler = _ListHandler(self.log_lines)
        self._pending: dict[int, str] = {}
        self._stdout: Any = None
        self._propagate = True

    def __enter__(self) -> FunctionOutput:
        self._stdout = sys.stdout
        sys.stdout = self  # type: ignore[assignment]
        self._propagate = self._logger.propagate
        self._logger.propagate = False
        self._logger.addHandler(self._handler)
        if self._logger.level == logging.NOTSET:
            self._logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sys.stdout = self._stdout
        self._logger.removeHandler(self._handler)
        self._logger.propagate = self._propagate

    def write(self, text: str) -> int:
        """Capture what the handler's threads print; pass everything else through."""
        if not threading.current_thread().name.startswith(self._thread_prefix):
            return self._stdout.write(text)
        ident = threading.get_ident()
        pending = self._pending.pop(ident, "") + text
        *lines, rest = pending.split("\n")
        self.documents.extend(line for line in lines if line)
        if rest:
            self._pending[ident] = rest
        return len(text)

    def flush(self) -> None:
        """Flush the real standard output."""
        self._stdout.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stdout, name)


class _ListHandler(logging.Handler):
    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self._lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        fields = {key: value for key, value in vars(record).items() if key not in self._STANDARD}
        line = {"level": record.levelname, "message": record.getMessage(), "logger": record.name, **fields}
        if record.exc_info and record.exc_info[1] is not None:
            line["exception"] = repr(record.exc_info[1])
        self._lines.append(json.dumps(line, default=str))
