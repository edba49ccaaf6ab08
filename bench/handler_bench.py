"""Benchmark: the bundled handler against the seed's naive handler (and the rejected transaction variant).

    python bench/handler_bench.py [--quick] [--batches N] [--import-runs N]

Two setups, one after the other, each in its own child process of this one.
In each, all handlers run in that one process against one DynamoDB-protocol
endpoint that adds 5 ms to every request; the endpoint runs in child
processes of its own, so the process's CPU time is the handlers' own:

* ``moto``: moto's server behind a proxy that holds every request 5 ms.
  The real emulator, but it serves one request at a time.
* ``endpoint``: ``dynamodb_endpoint.py``, a minimal endpoint that serves
  concurrent requests in parallel, as DynamoDB does, holding each 5 ms.

Handlers get identical batches of 10 EventBridge envelopes, about 10% of
which repeat an earlier event, and take turns batch by batch (each writing
to its own table), so drift on a shared machine hits them alike. Logging is
on, with a formatter like Lambda's JSON one writing to /dev/null, and stdout
(EMF) goes to /dev/null, so logs and metrics cost what they cost.

Reported, per setup and handler: median and p90 batch duration at +5 ms;
the median at +0 ms, from every 4th batch, interleaved (what is left is the
endpoint's and the client's own time, so the difference is what the round
trips cost); CPU time per event (``time.process_time``, all threads of the
process); DynamoDB requests per batch; stored items against the unique
events sent. Then module import plus init time (median over fresh
interpreters; no endpoint is involved), the ratios bundled / naive against
the targets of issue 3 for both setups, and the machine. The headline for
the duration target is the concurrent endpoint: DynamoDB serves concurrent
requests in parallel, moto does not.

With moto, the transaction variant runs on the first batches only: moto
deep-copies every table on each ``TransactWriteItems`` call, so its
duration grows with the data and says nothing about DynamoDB. The
concurrent endpoint runs it on every batch.

Exit status 1 if a handler lost or invented an item in either setup. The
timing targets are reported, not enforced: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
LAMBDA = BENCH.parent / "lambda"
BATCH_SIZE = 10
WARMUP_BATCHES = 2
TRANSACT_BATCHES = 12  # with moto only
REGION = "us-east-1"
NAMES = ("naive", "bundled", "transact")
SETUPS = {"moto": "moto + 5 ms proxy", "endpoint": "concurrent endpoint"}
TABLES = {name: f"bench-events-{name}" for name in NAMES}
ERRORS_TABLE = "bench-errors"
HANDLER_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
    # naive_handler.py
    "TABLE_NAME": TABLES["naive"],
    # transact_handler.py
    "TRANSACT_TABLE_NAME": TABLES["transact"],
    # the bundled handler: exactly what the construct sets
    "EVENTS_TABLE_NAME": TABLES["bundled"],
    "ERRORS_TABLE_NAME": ERRORS_TABLE,
    "TTL_DAYS": "90",
    "MAX_RECEIVE_COUNT": "5",
    "METRICS_NAMESPACE": "ShipmentPipelineBench",
    "PIPELINE_NAME": "bench",
}
TARGETS = {"batch duration": 0.3, "CPU per event": 1.0, "import + init": 1.1}

Batch = dict[str, Any]
Key = tuple[str, str]
Figures = dict[str, Any]


def main() -> int:
    """Run the benchmark and print figures and ratios; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run: 20 batches, 3 import runs")
    parser.add_argument("--batches", type=int, help="batches, 2 of them warm-up, every 4th after at +0 ms (default 80)")
    parser.add_argument("--import-runs", type=int, help="fresh interpreters per handler (default 7)")
    parser.add_argument("--setup", choices=SETUPS, help=argparse.SUPPRESS)  # internal: one setup, figures as JSON
    parser.add_argument(
        "--against",
        type=Path,
        metavar="LAMBDA_DIR",
        help="instead: compare this checkout's bundled handler with the one in LAMBDA_DIR (another checkout's"
        " lambda/ folder) on the concurrent endpoint, at 0%% and 5%% of records on their last receive",
    )
    parser.add_argument("--compare", type=Path, help=argparse.SUPPRESS)  # internal: the comparison, figures as JSON
    args = parser.parse_args()
    batches = max(args.batches or (20 if args.quick else 80), WARMUP_BATCHES + 4)
    import_runs = max(args.import_runs or (3 if args.quick else 7), 1)
    if args.setup:
        print(json.dumps(_measure(args.setup, batches)))
        return 0
    if args.compare:
        print(json.dumps(_compare(args.compare.resolve(), batches)))
        return 0
    if args.against:
        return _report_versions(args.against.resolve(), batches, import_runs)

    started = time.perf_counter()
    machine = _machine()
    figures = {setup: _measure_in_child(setup, batches) for setup in SETUPS}
    imports = _import_times(import_runs)
    return _report(machine, figures, imports, import_runs, started)


def _measure_in_child(setup: str, count: int) -> Figures:
    """Run one setup in a fresh interpreter (so each imports the handlers with its own endpoint); its figures."""
    command = [sys.executable, str(BENCH / "handler_bench.py"), "--setup", setup, "--batches", str(count)]
    child = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
    if child.returncode != 0 or not child.stdout.strip():
        raise RuntimeError(f"the {setup} setup failed (exit status {child.returncode}); see above")
    return json.loads(child.stdout.strip().splitlines()[-1])


def _measure(setup: str, count: int) -> Figures:
    """Start the setup's endpoint, run every batch through the handlers, check the stored items; the figures."""
    started = time.perf_counter()
    with contextlib.ExitStack() as children:
        if setup == "moto":
            _, moto = _spawn(children, "endpoint.py")
            control, front = _spawn(
                children, "latency_proxy.py", "--upstream-port", moto["moto"].rsplit(":", 1)[1], "--delay-ms", "5"
            )
            direct = moto["moto"]  # tables, queue and final scans go straight to moto
            queue_url = _client(direct, "sqs").create_queue(QueueName="bench-dlq")["QueueUrl"]
        else:
            control, front = _spawn(children, "dynamodb_endpoint.py", "--delay-ms", "5")
            direct = front["endpoint"]
            # The endpoint serves no SQS. Valid input is never quarantined, so the
            # queue is never called; if it were, the record would be retried and
            # _run would stop the benchmark.
            queue_url = f"{direct}/123456789012/bench-dlq"
        sys.path[:0] = [str(LAMBDA), str(BENCH)]
        _create_tables(direct)
        os.environ.update(HANDLER_ENV, DEAD_LETTER_QUEUE_URL=queue_url, AWS_ENDPOINT_URL=front["endpoint"])

        def set_delay(milliseconds: float) -> None:
            request, answer = _pipes(control)
            request.write(f"{milliseconds}\n")
            request.flush()
            answer.readline()  # the endpoint or proxy confirms

        handlers, request_counts = _load_handlers()
        batches, keys = _make_batches(count, random.Random(20251013))
        # Every 4th timed batch runs without the added delay, interleaved so
        # that both see the same machine load and table sizes.
        delays = [
            0.0 if index >= WARMUP_BATCHES and (index - WARMUP_BATCHES) % 4 == 3 else 5.0 for index in range(count)
        ]
        limits = dict.fromkeys(NAMES, count)
        if setup == "moto":
            limits["transact"] = min(TRANSACT_BATCHES, count)
        durations, cpu = _run(handlers, batches, delays, limits, set_delay)
        stored = {name: _stored_keys(direct, TABLES[name]) for name in NAMES}

    expected = {name: set().union(*keys[: limits[name]]) for name in NAMES}
    timed_events = {name: sum(map(len, durations[name].values())) * BATCH_SIZE for name in NAMES}
    # With moto, the transaction's duration is not comparable, and it has only 2 batches at +0 ms.
    at_zero = [name for name in NAMES if setup == "endpoint" or name != "transact"]
    return {
        "limits": limits,
        "records": count * BATCH_SIZE,
        "median": {name: statistics.median(durations[name][5.0]) * 1000 for name in NAMES},
        "p90": {name: _percentile(durations[name][5.0], 0.9) * 1000 for name in NAMES},
        "at_zero": {name: statistics.median(durations[name][0.0]) * 1000 for name in at_zero},
        "cpu_per_event": {name: cpu[name] / timed_events[name] * 1e6 for name in NAMES},
        "requests": {name: request_counts[name] / limits[name] for name in NAMES},
        "stored": {name: len(stored[name]) for name in NAMES},
        "expected": {name: len(expected[name]) for name in NAMES},
        "lost": {name: len(expected[name] - stored[name]) for name in NAMES},
        "extra": {name: len(stored[name] - expected[name]) for name in NAMES},
        "seconds": time.perf_counter() - started,
    }


LAST_RECEIVE_MIXES = (0.0, 0.05)
VERSIONS = ("before", "after")


def _report_versions(base: Path, count: int, runs: int) -> int:
    """Compare the bundled handler of ``base`` (before) with this checkout's (after): CPU, writes, import + init."""
    if not (base / "shipment_processor" / "app.py").is_file():
        print(f"--against: {base} holds no shipment_processor/app.py; pass another checkout's lambda/ folder")
        return 2
    print(_machine())
    command = [sys.executable, str(BENCH / "handler_bench.py"), "--compare", str(base), "--batches", str(count)]
    child = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
    if child.returncode != 0 or not child.stdout.strip():
        raise RuntimeError(f"the comparison failed (exit status {child.returncode}); see above")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    imports = _import_times(
        runs, {"before": (base, "shipment_processor.app"), "after": (LAMBDA, "shipment_processor.app")}
    )
    import_ms = {name: statistics.median(times) * 1000 for name, times in imports.items()}
    print(
        f"bundled handler, before ({base}) and after (this checkout), alternating batch by batch on the concurrent "
        f"endpoint (+5 ms per request): {count} batches of {BATCH_SIZE} per mix ({WARMUP_BATCHES} warm-up), "
        f"~10% repeats; {runs} import runs each"
    )
    print(f"{'':44}{'before':>10}{'after':>10}{'after / before':>16}")
    for mix in LAST_RECEIVE_MIXES:
        result = figures[str(mix)]
        for label, key, template in (
            ("CPU per event (us)", "cpu_per_event", "{:.0f}"),
            ("DynamoDB requests per event", "requests_per_event", "{:.3f}"),
        ):
            before, after = result[key]["before"], result[key]["after"]
            print(
                f"{label + f', {mix:.0%} last receives':44}{template.format(before):>10}{template.format(after):>10}"
                f"{after / before:>16.3f}"
            )
        print(f"{'  records on their last receive':44}{result['last_receives']:>10}{result['last_receives']:>10}")
    before, after = import_ms["before"], import_ms["after"]
    print(f"{'import + init (ms)':44}{before:>10.0f}{after:>10.0f}{after / before:>16.3f}")
    print(f"stored items as sent: {'yes' if figures['correct'] else 'NO'}; load average {os.getloadavg()[0]:.2f}")
    return 0 if figures["correct"] else 1


def _compare(base: Path, count: int) -> dict[str, Any]:
    """In this process: both handler versions against one concurrent endpoint, at each last-receive mix."""
    with contextlib.ExitStack() as children:
        control, front = _spawn(children, "dynamodb_endpoint.py", "--delay-ms", "5")
        url = front["endpoint"]
        sys.path[:0] = [str(LAMBDA), str(BENCH)]
        tables = {version: (f"bench-events-{version}", f"bench-errors-{version}") for version in VERSIONS}
        for events_table, errors_table in tables.values():
            _create_tables(url, (events_table,), errors_table)
        logging.basicConfig(level=logging.INFO, handlers=[_lambda_like_log_handler()], force=True)
        handlers, clients = {}, {}
        for version, directory, package in (
            ("before", base, "shipment_processor_before"),
            ("after", LAMBDA, "shipment_processor"),
        ):
            os.environ.update(
                HANDLER_ENV,
                EVENTS_TABLE_NAME=tables[version][0],
                ERRORS_TABLE_NAME=tables[version][1],
                DEAD_LETTER_QUEUE_URL=f"{url}/123456789012/bench-dlq",
                AWS_ENDPOINT_URL=url,
            )
            app = _import_package_app(package, directory / "shipment_processor")
            handlers[version], clients[version] = app.handler, app._dynamodb
        requests = dict.fromkeys(VERSIONS, 0)
        for version, client in clients.items():

            def count_request(version: str = version, **_: Any) -> None:
                requests[version] += 1

            client.meta.events.register("before-send.dynamodb", count_request)
        rng = random.Random(20251013)
        figures: dict[str, Any] = {}
        all_keys: set[Key] = set()
        for mix in LAST_RECEIVE_MIXES:
            batches, keys = _make_batches(count, rng, first_number=len(all_keys) + 10_000 * len(figures))
            all_keys = all_keys.union(*keys)
            last_receives = 0
            for batch in batches:
                for record in batch["Records"]:
                    if rng.random() < mix:
                        record["attributes"]["ApproximateReceiveCount"] = HANDLER_ENV["MAX_RECEIVE_COUNT"]
                        last_receives += 1
            cpu, sent = dict.fromkeys(VERSIONS, 0.0), dict.fromkeys(VERSIONS, 0)
            with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
                for index, batch in enumerate(batches):
                    for version in VERSIONS if index % 2 else VERSIONS[::-1]:
                        before_requests, clock = requests[version], time.process_time()
                        response = handlers[version](batch, None)
                        clock = time.process_time() - clock
                        if response["batchItemFailures"]:
                            raise RuntimeError(f"{version} reported failures on valid input: {response}")
                        if index >= WARMUP_BATCHES:
                            cpu[version] += clock
                            sent[version] += requests[version] - before_requests
            events = (count - WARMUP_BATCHES) * BATCH_SIZE
            figures[str(mix)] = {
                "cpu_per_event": {version: cpu[version] / events * 1e6 for version in VERSIONS},
                "requests_per_event": {version: sent[version] / events for version in VERSIONS},
                "last_receives": last_receives,
            }
        stored = {version: _stored_keys(url, tables[version][0]) for version in VERSIONS}
        errors = _client(url, "dynamodb").scan(TableName=tables["after"][1])["Count"]
        figures["correct"] = all(keys == all_keys for keys in stored.values()) and errors == 0
    return figures


def _import_package_app(package: str, directory: Path) -> Any:
    """Import ``directory`` (a ``shipment_processor`` folder) as package ``package`` and return its ``app`` module.

    The handler's modules import each other relatively, so another checkout's
    copy loads under another name next to this one.
    """
    import importlib
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        package, directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    spec.loader.exec_module(module)
    return importlib.import_module(f"{package}.app")


def _report(
    machine: str, figures: dict[str, Figures], imports: dict[str, list[float]], runs: int, started: float
) -> int:
    """Print both setups' figures side by side, the ratios against the targets, and why the setups differ."""
    moto, endpoint = figures["moto"], figures["endpoint"]
    records = moto["records"]
    repeats = records - moto["expected"]["naive"]
    print(machine)
    print(
        f"workload: {records // BATCH_SIZE} batches of {BATCH_SIZE} ({WARMUP_BATCHES} warm-up, not timed; every 4th "
        f"after it at +0 ms, the others at +5 ms per request); {repeats} of {records} records repeat an earlier "
        f"event ({repeats / records:.0%}); transact: first {moto['limits']['transact']} batches only with moto, "
        f"all with the endpoint; {runs} import runs per handler"
    )
    print()
    print(f"{'':30}" + "    ".join(f"{title:>30}" for title in SETUPS.values()))
    print(f"{'':30}" + "    ".join(_cells(dict(zip(NAMES, NAMES, strict=True)), "{}") for _ in SETUPS))
    for result in figures.values():
        result["round_trips"] = {name: result["median"][name] - zero for name, zero in result["at_zero"].items()}
        result["write_units"] = {"naive": 1, "bundled": 1, "transact": 2}
    for label, key, template in (
        ("median batch, +5 ms (ms)", "median", "{:.1f}"),
        ("p90 batch, +5 ms (ms)", "p90", "{:.1f}"),
        ("median batch, +0 ms (ms)", "at_zero", "{:.1f}"),
        ("  difference: round trips (ms)", "round_trips", "{:.1f}"),
        ("CPU per event (us)", "cpu_per_event", "{:.0f}"),
        ("DynamoDB requests per batch", "requests", "{:.1f}"),
        ("write units per new item", "write_units", "{}"),
        ("stored items", "stored", "{}"),
        ("unique events sent", "expected", "{}"),
    ):
        print(f"{label:30}" + "    ".join(_cells(result[key], template) for result in figures.values()))
    import_ms = {name: statistics.median(imports[name]) * 1000 for name in NAMES}
    print(f"{'import + init (ms)':30}" + _cells(import_ms, "{:.0f}") + "    (fresh interpreters, either setup)")
    print("(transact durations with moto: moto copies every table per transaction; not comparable)")
    print()

    def ratios(result: Figures) -> dict[str, float]:
        return {
            "batch duration": result["median"]["bundled"] / result["median"]["naive"],
            "CPU per event": result["cpu_per_event"]["bundled"] / result["cpu_per_event"]["naive"],
            "round-trip time": result["round_trips"]["bundled"] / result["round_trips"]["naive"],
        }

    def verdict(name: str, ratio: float) -> str:
        return f"{ratio:.3f} {'met' if ratio <= TARGETS[name] else 'MISSED'}"

    by_setup = {setup: ratios(result) for setup, result in figures.items()}
    for setup in SETUPS:
        by_setup[setup]["import + init"] = import_ms["bundled"] / import_ms["naive"]
    print((f"{'bundled / naive':24}{'target':8}" + "".join(f"{title:24}" for title in SETUPS.values())).rstrip())
    for name, target in TARGETS.items():
        cells = "".join(f"{verdict(name, by_setup[setup][name]):24}" for setup in SETUPS)
        print(f"  {name:22}<= {target:<5}{cells}".rstrip())
    cells = "".join(f"{by_setup[setup]['round-trip time']:<24.3f}" for setup in SETUPS)
    print(f"  {'round-trip time':22}{'(info)':8}{cells}".rstrip())
    print("  (import + init: one measurement; importing a handler does not contact the endpoint)")
    duration, target = by_setup["endpoint"]["batch duration"], TARGETS["batch duration"]
    print(
        f"headline, batch duration on the concurrent endpoint: {duration:.3f}, target <= {target}: "
        f"{'met' if duration <= target else 'MISSED'} (moto: {by_setup['moto']['batch duration']:.3f})"
    )
    print(
        "why the two differ: moto serves one request at a time, so the bundled handler's 10 concurrent puts take "
        f"{moto['at_zero']['bundled']:.1f} ms\n  a batch even at +0 ms; DynamoDB serves concurrent requests in "
        f"parallel, as the concurrent endpoint does\n  ({endpoint['at_zero']['bundled']:.1f} ms a batch at +0 ms, "
        f"{endpoint['cpu_per_event']['bundled'] * BATCH_SIZE / 1000:.1f} ms of it the handler's own CPU time)."
    )
    print(
        "transact / naive on the concurrent endpoint: "
        + ", ".join(
            f"{label} {endpoint[key]['transact'] / endpoint[key]['naive']:.3f}"
            for label, key in (
                ("batch duration", "median"),
                ("CPU per event", "cpu_per_event"),
                ("requests per batch", "requests"),
            )
        )
    )
    identical = True
    for setup, result in figures.items():
        correct = not any(result["lost"].values()) and not any(result["extra"].values())
        identical = identical and correct
        print(
            f"stored items, {SETUPS[setup]}: {'as sent' if correct else 'WRONG'} ("
            + ", ".join(f"{name}: {result['lost'][name]} lost, {result['extra'][name]} extra" for name in NAMES)
            + ")"
        )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"total run time: {time.perf_counter() - started:.1f} s (moto setup {moto['seconds']:.1f} s, endpoint setup "
        f"{endpoint['seconds']:.1f} s); load average at the end {load}"
    )
    return 0 if identical else 1


def _pipes(child: subprocess.Popen[str]) -> tuple[IO[str], IO[str]]:
    """The stdin and stdout of a child started with both as pipes (Popen types them as optional)."""
    if child.stdin is None or child.stdout is None:
        raise RuntimeError(f"{child.args!r} was started without stdin and stdout pipes")
    return child.stdin, child.stdout


def _spawn(children: contextlib.ExitStack, script: str, *args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start ``bench/<script>``; return it and the JSON line it prints. It stops when ``children`` closes."""
    child = subprocess.Popen(
        [sys.executable, str(BENCH / script), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    request, answer = _pipes(child)

    def stop() -> None:
        request.close()  # the child stops its server when its stdin closes
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    children.callback(stop)
    line = answer.readline()
    if not line:
        raise RuntimeError(f"bench/{script} did not start")
    return child, json.loads(line)


def _load_handlers() -> tuple[dict[str, Callable[..., Any]], dict[str, int]]:
    """Import the three handlers (creating their clients) and count each one's DynamoDB requests."""
    logging.basicConfig(level=logging.INFO, handlers=[_lambda_like_log_handler()], force=True)
    import naive_handler
    import transact_handler
    from shipment_processor import app

    clients = {
        "naive": naive_handler.table.meta.client,
        "bundled": app._dynamodb,
        "transact": transact_handler.dynamodb,
    }
    counts = dict.fromkeys(NAMES, 0)
    for name, client in clients.items():

        def count(name: str = name, **_: Any) -> None:
            counts[name] += 1

        client.meta.events.register("before-send.dynamodb", count)
    return {"naive": naive_handler.handler, "bundled": app.handler, "transact": transact_handler.handler}, counts


def _run(
    handlers: dict[str, Callable[..., Any]],
    batches: list[Batch],
    delays: list[float],
    limits: dict[str, int],
    set_delay: Callable[[float], None],
) -> tuple[dict[str, dict[float, list[float]]], dict[str, float]]:
    """Run each batch through each handler (up to its limit), rotating who goes first.

    Returns each handler's batch durations by added delay, and its CPU time, both without the warm-up batches.
    """
    durations: dict[str, dict[float, list[float]]] = {name: {delay: [] for delay in set(delays)} for name in NAMES}
    cpu = dict.fromkeys(NAMES, 0.0)
    current = None
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        for index, (batch, delay) in enumerate(zip(batches, delays, strict=True)):
            if delay != current:
                set_delay(delay)
                current = delay
            turn = NAMES[index % 3 :] + NAMES[: index % 3]
            for name in (name for name in turn if index < limits[name]):
                wall, clock = time.perf_counter(), time.process_time()
                response = handlers[name](batch, None)
                wall, clock = time.perf_counter() - wall, time.process_time() - clock
                if response["batchItemFailures"]:
                    raise RuntimeError(f"{name} reported failures on valid input: {response}")
                if index >= WARMUP_BATCHES:
                    durations[name][delay].append(wall)
                    cpu[name] += clock
    return durations, cpu


def _make_batches(count: int, rng: random.Random, first_number: int = 0) -> tuple[list[Batch], list[set[Key]]]:
    """SQS events: the first batch all new, then 9 new events and 1 repeat of an earlier one per batch.

    Returns the batches and, per batch, the (shipment_id, canonical timestamp) keys it introduced.
    """
    from shipment_processor.timestamps import canonical_timestamp

    bodies: list[str] = []
    batches, keys = [], []
    for index in range(count):
        records, new_keys = [], set()
        for position in range(BATCH_SIZE):
            if index > 0 and position == 0:
                records.append(_record(rng.choice(bodies)))
                continue
            message, (shipment_id, stamp) = _envelope(first_number + len(bodies), rng)
            bodies.append(message)
            new_keys.add((shipment_id, canonical_timestamp(stamp)))
            records.append(_record(message))
        rng.shuffle(records)
        batches.append({"Records": records})
        keys.append(new_keys)
    return batches, keys


def _envelope(number: int, rng: random.Random) -> tuple[str, Key]:
    shipment_id = f"SHP-{number % 997:05d}"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_760_351_400 + number * 61))
    event_type = rng.choice(["created", "picked_up", "in_transit", "delivered"])
    envelope = {
        "version": "0",
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "detail-type": f"shipment.{event_type}",
        "source": "shipment.service",
        "account": "123456789012",
        "time": stamp,
        "region": REGION,
        "resources": [],
        "detail": {
            "shipment_id": shipment_id,
            "event_timestamp": stamp,
            "event_type": event_type,
            "event_data": {
                "origin": rng.choice(["NYC", "LAX", "ORD", "ATL"]),
                "destination": rng.choice(["SEA", "MIA", "DEN", "BOS"]),
                "carrier": rng.choice(["FedEx", "UPS", "DHL"]),
                "weight_kg": round(rng.uniform(0.1, 80), 2),
                "pieces": rng.randint(1, 9),
            },
        },
    }
    return json.dumps(envelope), (shipment_id, stamp)


def _record(body: str) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "bench",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1760351400000"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:bench",
        "awsRegion": REGION,
    }


def _client(url: str, service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().create_client(
        service, endpoint_url=url, region_name=REGION, aws_access_key_id="bench", aws_secret_access_key="bench"
    )


def _create_tables(
    url: str, events_tables: tuple[str, ...] = tuple(TABLES.values()), errors_table: str = ERRORS_TABLE
) -> None:
    """Create the tables on the endpoint at ``url``, with the construct's key schema (``pipeline_tables``)."""
    from pipeline_tables import create_errors_table, create_events_table

    dynamodb = _client(url, "dynamodb")
    for table in events_tables:
        create_events_table(dynamodb, table)
    create_errors_table(dynamodb, errors_table)


def _stored_keys(url: str, table: str) -> set[Key]:
    """Every (shipment_id, canonical event_timestamp) in ``table``; the naive handler stores timestamps as sent."""
    from shipment_processor.timestamps import canonical_timestamp

    paginator = _client(url, "dynamodb").get_paginator("scan")
    return {
        (item["shipment_id"]["S"], canonical_timestamp(item["event_timestamp"]["S"]))
        for page in paginator.paginate(TableName=table)
        for item in page["Items"]
    }


def _import_times(runs: int, modules: dict[str, tuple[Path, str]] | None = None) -> dict[str, list[float]]:
    """Seconds to import each handler module (its init included), each run in a fresh interpreter, alternating.

    ``modules``: name -> (folder to import from, module); by default the three handlers.
    Init creates the clients but sends nothing, so no endpoint needs to run: the URLs are placeholders.
    """
    modules = modules or {
        "naive": (LAMBDA, "naive_handler"),
        "bundled": (LAMBDA, "shipment_processor.app"),
        "transact": (LAMBDA, "transact_handler"),
    }
    environment = os.environ | HANDLER_ENV
    environment |= {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "DEAD_LETTER_QUEUE_URL": "http://127.0.0.1:9/1/bench"}
    times: dict[str, list[float]] = {name: [] for name in modules}
    for _ in range(runs):
        for name, (folder, module) in modules.items():
            code = (
                f"import sys, time; sys.path[:0] = [{str(folder)!r}, {str(BENCH)!r}]; "
                f"start = time.perf_counter(); import {module}; print(time.perf_counter() - start)"
            )
            output = subprocess.run(
                [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
            )
            times[name].append(float(output.stdout))
    return times


def _lambda_like_log_handler() -> logging.Handler:
    """A handler that formats records like Lambda's JSON log format and writes them to /dev/null."""
    standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    class JsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            document = {
                "timestamp": self.formatTime(record),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": "bench",
            }
            document.update((key, value) for key, value in vars(record).items() if key not in standard)
            return json.dumps(document, default=str)

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - open for the whole run
    handler.setFormatter(JsonFormatter())
    return handler


def _machine() -> str:
    from importlib.metadata import version

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"machine: nproc {cores}, load average {load}; Python {platform.python_version()} "
        f"on {platform.system()} {platform.machine()}; botocore {version('botocore')}, moto {version('moto')}"
    )


def _cells(values: Mapping[str, object], template: str) -> str:
    return "".join(f"{template.format(values[name]) if name in values else '-':>10}" for name in NAMES)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


if __name__ == "__main__":
    sys.exit(main())
