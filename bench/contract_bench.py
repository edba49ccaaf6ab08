"""Benchmark: what an event contract costs the bundled handler, the default contract side by side with a custom one.

    python bench/contract_bench.py [--quick] [--rounds N] [--batches N] [--no-hook]

Three function assets are staged as the construct stages them, from this
checkout's ``lambda/``:

* ``default``: the bundled processor alone (no contract file);
* ``schema``: plus a contract with a 15-field detail schema (the three
  default fields and a 12-property ``event_data`` with types, bounds, an
  enum, a pattern and a date-time format), compiled into a standalone
  validator by ``schema_codegen``;
* ``schema+hook``: plus a record hook that adds one attribute (skipped with
  ``--no-hook``).

Every measurement runs in a fresh interpreter, the variants taking turns
round by round so drift on a shared machine hits them alike:

* import + init: ``import shipment_processor.app`` (reading the contract,
  loading the validator and hook, creating the botocore clients and the
  writer pool), as CPU time of the process (the ratio's basis: on a shared
  machine the wall-clock time mostly measures the other processes) and as
  wall-clock time;
* CPU per event: the real handler entry point (``app.handler``) on batches of
  10 valid events, ``time.process_time`` over all threads, logging on (to
  /dev/null, formatted like Lambda's JSON logs) and the EMF document printed
  to /dev/null. The DynamoDB client is real down to the wire: requests are
  serialized and signed, and a ``before-send`` hook answers each one at once
  with an empty 200 response, so the figure is the handler's own CPU and
  botocore's, without the network.

The events are the same for every variant (the schema accepts all of them),
so the stored items are the same size. Reported: the median of each
figure per variant, each baseline, and the ratios to ``default`` against
the targets (import + init <= 1.1x, CPU per event <= 1.15x). The targets
are reported, not enforced: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LAMBDA = REPO / "lambda"

IMPORT_TARGET = 1.10
CPU_TARGET = 1.15
BATCH_SIZE = 10

HANDLER_ENV = {
    "EVENTS_TABLE_NAME": "bench-events",
    "ERRORS_TABLE_NAME": "bench-errors",
    "QUARANTINE_QUEUE_URL": "http://127.0.0.1:9/123456789012/bench-quarantine",
    "TTL_DAYS": "90",
    "MAX_RECEIVE_COUNT": "5",
    "METRICS_NAMESPACE": "Bench",
    "PIPELINE_NAME": "bench",
    "ON_CONFLICT": "record",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
}

#: 15 fields: the three of the default contract and 12 in event_data.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["shipment_id", "event_timestamp", "event_type", "event_data"],
    "properties": {
        "shipment_id": {"type": "string", "pattern": "^SHP-[0-9]+$"},
        "event_timestamp": {"type": "string", "format": "date-time"},
        "event_type": {"type": "string", "enum": ["created", "in_transit", "delivered"]},
        "event_data": {
            "type": "object",
            "required": ["origin", "destination", "carrier", "weight_kg"],
            "additionalProperties": False,
            "properties": {
                "origin": {"type": "string", "minLength": 3, "maxLength": 3},
                "destination": {"type": "string", "minLength": 3, "maxLength": 3},
                "carrier": {"type": "string", "enum": ["FedEx", "UPS", "DHL"]},
                "weight_kg": {"type": "number", "minimum": 0, "maximum": 1000},
                "length_cm": {"type": "integer", "minimum": 1},
                "width_cm": {"type": "integer", "minimum": 1},
                "height_cm": {"type": "integer", "minimum": 1},
                "declared_value": {"type": "number", "minimum": 0},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "fragile": {"type": "boolean"},
                "pieces": {"type": "integer", "minimum": 1, "maximum": 99},
                "reference": {"type": "string", "maxLength": 64},
            },
        },
    },
}

HOOK_SOURCE = """
def enrich(event):
    return {**event.detail, "route": event.detail["event_data"]["origin"] + "-" + event.detail["event_data"]["destination"]}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 100 batches (a smoke run)")
    parser.add_argument("--rounds", type=int, help="fresh interpreters per variant (default 9)")
    parser.add_argument("--batches", type=int, help="batches of 10 events per interpreter (default 300)")
    parser.add_argument("--no-hook", action="store_true", help="leave out the schema+hook variant")
    parser.add_argument("--child", nargs=2, metavar=("ASSET", "BATCHES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(Path(args.child[0]), int(args.child[1]))
    rounds = max(args.rounds or (3 if args.quick else 9), 1)
    batches = max(args.batches or (100 if args.quick else 300), 1)
    with tempfile.TemporaryDirectory(prefix="contract-bench-") as folder:
        assets = _stage(Path(folder), hook=not args.no_hook)
        figures: dict[str, list[dict[str, float]]] = {name: [] for name in assets}
        for _ in range(rounds):
            for name, asset in assets.items():
                figures[name].append(_run_child(asset, batches))
    _report(figures, rounds, batches)
    enforced = {name: all(run["schema_enforced"] for run in runs) for name, runs in figures.items()}
    if enforced != {name: name != "default" for name in figures}:
        print(f"the schema was not enforced as staged: {enforced}")
        return 1
    return 0


def _stage(root: Path, *, hook: bool) -> dict[str, Path]:
    """The variants' asset folders: the processor, plus the contract files the construct would add."""
    sys.path.insert(0, str(REPO / "src"))
    from shipment_pipeline_constructs.schema_codegen import generate_validator_module

    validator = generate_validator_module(SCHEMA)
    assets = {}
    for name in ("default", "schema", "schema+hook") if hook else ("default", "schema"):
        asset = root / name.replace("+", "_")
        shutil.copytree(LAMBDA, asset, ignore=shutil.ignore_patterns("__pycache__", "*.md"))
        if name != "default":
            contract = {
                "format": 1,
                "id_field": "shipment_id",
                "timestamp_field": "event_timestamp",
                "type_field": "event_type",
                "event_types": None,
                "detail_schema": SCHEMA,
                "validator_module": "shipment_contract_validator",
                "record_hook": "bench_hook:enrich" if name == "schema+hook" else None,
            }
            (asset / "shipment_contract.json").write_text(json.dumps(contract, sort_keys=True, indent=2))
            (asset / "shipment_contract_validator.py").write_text(validator)
        if name == "schema+hook":
            (asset / "bench_hook.py").write_text(HOOK_SOURCE)
        assets[name] = asset
    return assets


def _run_child(asset: Path, batches: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(asset), str(batches)],
        env=os.environ | HANDLER_ENV,
        capture_output=True,
        text=True,
        check=True,
        cwd=asset,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def _child(asset: Path, batches: int) -> int:
    """In a fresh interpreter: import + init time, then CPU per event through ``app.handler``."""
    sys.path.insert(0, str(asset))
    start, start_cpu = time.perf_counter(), time.process_time()
    from shipment_processor import app

    import_init, import_init_cpu = time.perf_counter() - start, time.process_time() - start_cpu

    from botocore.awsrequest import AWSResponse, HTTPHeaders

    class _Raw:
        """The body of an empty 200 response, read the way botocore reads one."""

        def stream(self, **_: Any) -> Any:
            yield b"{}"

    def answer(**_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["x-amzn-requestid"] = "bench"
        return AWSResponse("http://127.0.0.1:9", 200, headers, _Raw())

    app._dynamodb.meta.events.register("before-send.dynamodb", answer)
    app._sqs.meta.events.register("before-send.sqs", answer)
    logging.getLogger().addHandler(_lambda_like_log_handler())
    logging.getLogger().setLevel(logging.INFO)
    events = [_batch(number) for number in range(batches + 20)]
    stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115  # the EMF documents
    try:
        # The contract is in force: an event with a negative weight is quarantined under the schema only.
        invalid = _batch(-1)
        invalid["Records"][0]["body"] = invalid["Records"][0]["body"].replace('"weight_kg": 12.5', '"weight_kg": -1')
        checked = app._processor.process(invalid["Records"][:1]).outcomes[0].value == "Quarantined"
        for event in events[:20]:  # warm-up: the writer threads start, the first requests build their caches
            assert app.handler(event, None) == {"batchItemFailures": []}
        cpu = time.process_time()
        for event in events[20:]:
            app.handler(event, None)
        cpu = time.process_time() - cpu
    finally:
        sys.stdout = stdout
    print(
        json.dumps(
            {
                "import_init_s": import_init,
                "import_init_cpu_s": import_init_cpu,
                "cpu_per_event_s": cpu / (batches * BATCH_SIZE),
                "schema_enforced": checked,
            }
        )
    )
    return 0


def _batch(number: int) -> dict[str, Any]:
    records = []
    for index in range(BATCH_SIZE):
        detail = {
            "shipment_id": f"SHP-{number:06d}{index}",
            "event_timestamp": "2025-10-13T12:30:00.123+02:00",
            "event_type": "in_transit",
            "event_data": {
                "origin": "NYC",
                "destination": "LAX",
                "carrier": "FedEx",
                "weight_kg": 12.5,
                "length_cm": 40,
                "width_cm": 30,
                "height_cm": 20,
                "declared_value": 249.99,
                "currency": "USD",
                "fragile": False,
                "pieces": 2,
                "reference": f"PO-{number}-{index}",
            },
        }
        envelope = {
            "version": "0",
            "id": f"bench-{number}-{index}",
            "detail-type": "shipment.in_transit",
            "source": "shipment.service",
            "time": "2025-10-13T10:30:01Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }
        records.append(
            {
                "messageId": f"m-{number}-{index}",
                "body": json.dumps(envelope),
                "attributes": {"ApproximateReceiveCount": "1"},
            }
        )
    return {"Records": records}


def _lambda_like_log_handler() -> logging.Handler:
    """A handler that formats records like Lambda's JSON log format and writes them to /dev/null."""
    standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    class JsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            document = {"timestamp": self.formatTime(record), "level": record.levelname, "message": record.getMessage()}
            document.update((key, value) for key, value in vars(record).items() if key not in standard)
            return json.dumps(document, default=str)

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115  # open for the whole run
    handler.setFormatter(JsonFormatter())
    return handler


def _report(figures: dict[str, list[dict[str, float]]], rounds: int, batches: int) -> None:
    print(f"contract bench: {rounds} fresh interpreters per variant, {batches} batches of {BATCH_SIZE} events each")
    print(_machine())
    keys = ("import_init_cpu_s", "import_init_s", "cpu_per_event_s")
    medians = {
        name: {key: statistics.median(run[key] for run in runs) for key in keys} for name, runs in figures.items()
    }
    base = medians["default"]
    print(f"{'variant':<14}{'import+init CPU ms':>20}{'ratio':>8}{'(wall ms)':>11}{'CPU/event us':>15}{'ratio':>8}")
    for name, median in medians.items():
        print(
            f"{name:<14}{median['import_init_cpu_s'] * 1000:>20.1f}"
            f"{median['import_init_cpu_s'] / base['import_init_cpu_s']:>8.3f}{median['import_init_s'] * 1000:>11.1f}"
            f"{median['cpu_per_event_s'] * 1e6:>15.1f}{median['cpu_per_event_s'] / base['cpu_per_event_s']:>8.3f}"
        )
    for name, median in medians.items():
        if name == "default":
            continue
        import_ratio = median["import_init_cpu_s"] / base["import_init_cpu_s"]
        cpu_ratio = median["cpu_per_event_s"] / base["cpu_per_event_s"]
        print(
            f"{name}: import+init {import_ratio:.3f}x (target <= {IMPORT_TARGET}x: "
            f"{'met' if import_ratio <= IMPORT_TARGET else 'NOT met'}), CPU per event {cpu_ratio:.3f}x "
            f"(target <= {CPU_TARGET}x: {'met' if cpu_ratio <= CPU_TARGET else 'NOT met'})"
        )


def _machine() -> str:
    from importlib.metadata import version

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"machine: nproc {cores}, load average {load}; Python {platform.python_version()} "
        f"on {platform.system()} {platform.machine()}; botocore {version('botocore')}, "
        f"fastjsonschema {version('fastjsonschema')}"
    )


if __name__ == "__main__":
    sys.exit(main())
