"""Calibrate and check the capacity model against the local emulator: a burst on a known consumer.

    python bench/capacity_calibration.py [--template T] [--events 400] [--latency 0.5]

Runs the pipeline locally (moto on 127.0.0.1, the bundled handler, the local
event source mapping) with a known consumer (batch 10, maximum concurrency
2) and an injected per-batch latency, sends a burst of generated events at
20 a second (10 per PutEvents call, about three times what the consumer
drains), and samples the source queue's
``ApproximateNumberOfMessages`` (and ``...NotVisible``) every 0.1 s. From
the queue itself it measures the peak backlog, the time until the queue is
empty, and the drain rate once the burst is in; the per-batch time the
emulator adds on top of the injected latency (receive, handler, ten puts on
moto, delete) is ``concurrency x batch / drain rate - latency``.

Then it runs ``shipment-pipeline plan`` with the burst's arrivals (a
per-second CSV), the same consumer settings and the injected latency plus
the local per-batch time :data:`LOCAL_BATCH_MS` (calibrated by this script,
on a different latency than the check in the test suite uses), and prints
measured against predicted. ``test/capacity/test_validation.py`` runs the
same measurement and asserts the prediction is within 25%.

Without ``--template`` it synthesizes examples/basic into a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from shipment_pipeline_constructs.local import FaultInjector, LocalPipeline

REPO = Path(__file__).resolve().parents[1]
BATCH_SIZE = 10
MAX_CONCURRENCY = 2
SAMPLE_SECONDS = 0.25
EVENTS = 200
#: The burst goes out as 10 events every 0.5 s (20 a second), several times what the consumer drains.
SEND_INTERVAL_SECONDS = 0.5
LATENCY_SECONDS = 2.0


@dataclass
class Measurement:
    """One burst, measured from the queue."""

    events: int
    latency_seconds: float
    send_seconds: float
    arrivals_per_second: list[int]
    samples: list[tuple[float, int, int]]  # (seconds since the first send, visible, not visible)
    empty_at_seconds: float | None

    @property
    def peak_visible(self) -> int:
        """The most messages waiting (``ApproximateNumberOfMessages``)."""
        return max(visible for _, visible, _ in self.samples)

    def drain_rate(self) -> float:
        """Messages a second the consumers took out after the burst was in (least squares over the samples)."""
        points = [
            (t, visible + hidden)
            for t, visible, hidden in self.samples
            if t >= self.send_seconds and visible > BATCH_SIZE * MAX_CONCURRENCY
        ]
        if len(points) < 3:
            return math.nan
        mean_t = sum(t for t, _ in points) / len(points)
        mean_q = sum(q for _, q in points) / len(points)
        slope = sum((t - mean_t) * (q - mean_q) for t, q in points) / sum((t - mean_t) ** 2 for t, _ in points)
        return -slope

    def local_batch_ms(self) -> float:
        """The emulator's own time per batch: concurrency x batch / drain rate, minus the injected latency."""
        return (MAX_CONCURRENCY * BATCH_SIZE / self.drain_rate() - self.latency_seconds) * 1000

    def csv(self) -> str:
        """The burst's arrivals as ``plan --load-csv`` reads them."""
        return "second,events\n" + "".join(f"{i},{n}\n" for i, n in enumerate(self.arrivals_per_second))


def consumer_template(template_path: Path) -> Path:
    """A copy of ``template_path`` (next to it, so asset paths still resolve) with the known consumer settings."""
    template = json.loads(template_path.read_text())
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Lambda::EventSourceMapping":
            resource["Properties"]["BatchSize"] = BATCH_SIZE
            resource["Properties"]["ScalingConfig"] = {"MaximumConcurrency": MAX_CONCURRENCY}
            resource["Properties"].pop("MaximumBatchingWindowInSeconds", None)
    path = template_path.with_name("CapacityCalibration.template.json")
    path.write_text(json.dumps(template))
    return path


def measure_burst(
    pipeline: Any, *, events: int, latency_seconds: float, seed: int, timeout: float = 120.0
) -> Measurement:
    """Send a burst to a running :class:`LocalPipeline` and sample its queue until it is empty again."""
    from shipment_pipeline_constructs.local import generate_load
    from shipment_pipeline_constructs.local.load import put_events

    entries = generate_load(events, seed=seed).entries
    samples: list[tuple[float, int, int]] = []
    stop = threading.Event()
    sqs, url = pipeline.clients.sqs, pipeline.queue_url
    started = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            samples.append(
                (
                    time.monotonic() - started,
                    int(attributes["ApproximateNumberOfMessages"]),
                    int(attributes["ApproximateNumberOfMessagesNotVisible"]),
                )
            )
            stop.wait(SAMPLE_SECONDS)

    sent_at: list[tuple[float, int]] = []
    sampler = threading.Thread(target=sample, name="capacity-sampler", daemon=True)
    sampler.start()
    try:
        for index, start in enumerate(range(0, len(entries), 10)):
            # Paced: a sender at full speed would starve the consumers of CPU (one process), not of messages.
            pause = started + index * SEND_INTERVAL_SECONDS - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            result = put_events(
                pipeline.clients.events, entries[start : start + 10], bus_name=pipeline.deployment.bus_name
            )
            if result.failed:
                raise RuntimeError(f"PutEvents refused {len(result.failed)} entries: {result.failed[:1]}")
            sent_at.append((time.monotonic() - started, result.sent))
        send_seconds = time.monotonic() - started
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if samples and samples[-1][0] > send_seconds and samples[-1][1] + samples[-1][2] == 0:
                break
            time.sleep(SAMPLE_SECONDS)
    finally:
        stop.set()
        sampler.join()
    arrivals = [0] * (math.ceil(send_seconds) or 1)
    for at, count in sent_at:
        arrivals[min(int(at), len(arrivals) - 1)] += count
    empty = next((t for t, visible, hidden in samples if t > send_seconds and visible + hidden == 0), None)
    return Measurement(events, latency_seconds, send_seconds, arrivals, samples, empty)


class TimedFaults(FaultInjector):
    """The injected per-batch latency, with the start of every batch recorded per worker thread."""

    def __init__(self, latency_seconds: float) -> None:
        super().__init__(batch_latency_seconds=latency_seconds)
        self.batch_starts: dict[str, list[float]] = {}

    def delay_batch(self) -> None:
        """Record the batch's start, then hold it for the latency."""
        self.batch_starts.setdefault(threading.current_thread().name, []).append(time.monotonic())
        super().delay_batch()

    def cycle_seconds(self) -> float:
        """Median time from one batch's start to the same worker's next: the whole per-batch time."""
        gaps = [later - earlier for starts in self.batch_starts.values() for earlier, later in pairwise(starts)]
        return statistics.median(gaps)


@dataclass
class Calibration:
    """A burst on the known consumer, measured from the queue, and the plan's prediction of it."""

    measurement: Measurement
    cycle_seconds: float
    plan: dict[str, Any]

    @property
    def local_batch_ms(self) -> float:
        """What the emulator adds to each batch besides the injected latency (receive, handler, puts, delete)."""
        return (self.cycle_seconds - self.measurement.latency_seconds) * 1000

    def compare(self) -> dict[str, tuple[float, float, float]]:
        """``{figure: (measured, predicted, relative error)}``."""
        return compare(self.measurement, self.plan)


def calibrate_and_check(template_path: Path, *, events: int, latency_seconds: float) -> Calibration:
    """Run a burst on the local pipeline, time its batches, and predict its queue with ``plan``.

    The emulator's own per-batch time depends on the machine's load (moto,
    the handler and the sender share one process), so it is calibrated from
    this run's batches (the median time between a worker's batch starts);
    what is checked is the queue: its peak backlog and when it is empty,
    measured from SQS and predicted by the simulation.
    """
    template = consumer_template(template_path)
    faults = TimedFaults(latency_seconds)
    with LocalPipeline(template, faults=faults) as pipeline:
        measurement = measure_burst(pipeline, events=events, latency_seconds=latency_seconds, seed=2)
    cycle = faults.cycle_seconds()
    local_ms = (cycle - latency_seconds) * 1000
    return Calibration(measurement, cycle, predict(measurement, template, local_batch_ms=local_ms))


def predict(measurement: Measurement, template_path: Path, *, local_batch_ms: float) -> dict[str, Any]:
    """``shipment-pipeline plan --json`` for the measured burst on the same consumer and latency."""
    from shipment_pipeline_constructs.cli import main

    with tempfile.TemporaryDirectory() as scratch:
        csv_path = Path(scratch) / "burst.csv"
        csv_path.write_text(measurement.csv())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(
                [
                    "plan",
                    "--template", str(template_path),
                    "--load-csv", str(csv_path),
                    # The emulator's costs are all per batch: its receive, the handler, moto's puts one at a time.
                    "--per-record-ms", "0",
                    "--dynamodb-ms", "0",
                    "--batch-overhead-ms", str(measurement.latency_seconds * 1000 + local_batch_ms),
                    "--error-rate", "0",
                    "--duplicate-rate", "0",
                    "--step-seconds", str(SAMPLE_SECONDS),
                    "--json",
                ]
            )  # fmt: skip
    if code != 0:
        raise RuntimeError(f"plan exited {code}")
    return json.loads(out.getvalue())


def compare(measurement: Measurement, plan: dict[str, Any]) -> dict[str, tuple[float, float, float]]:
    """``{figure: (measured, predicted, relative error)}`` for the peak backlog and the time until the queue is empty."""
    pairs = {
        "peak backlog (messages)": (measurement.peak_visible, plan["peak_backlog"]["messages"]),
        "time until empty (s)": (measurement.empty_at_seconds or math.inf, plan["drained_at_seconds"] or math.inf),
    }
    return {name: (m, p, abs(p - m) / m if m else math.inf) for name, (m, p) in pairs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", type=Path, help="a synthesized template of examples/basic (in its cdk.out)")
    parser.add_argument("--events", type=int, default=EVENTS, help="events in the burst (default: %(default)s)")
    parser.add_argument(
        "--latency", type=float, default=LATENCY_SECONDS, help="injected seconds per batch (default: %(default)s)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        template = args.template
        if template is None:
            from shipment_pipeline_constructs.cli.synth import synthesize

            template = synthesize(REPO / "examples" / "basic", Path(scratch), {"environmentSuffix": "calibration"})[0]
        result = calibrate_and_check(template, events=args.events, latency_seconds=args.latency)
    burst = result.measurement
    print(
        f"consumer: batch {BATCH_SIZE}, max concurrency {MAX_CONCURRENCY}, injected latency {args.latency:g} s per batch"
    )
    print(f"burst: {burst.events} events sent in {burst.send_seconds:.1f} s")
    print(
        f"per-batch time {result.cycle_seconds * 1000:.0f} ms (median): the emulator adds "
        f"{result.local_batch_ms:.0f} ms to the injected latency"
    )
    for name, (measured, predicted, error) in result.compare().items():
        print(f"  {name:<26} measured {measured:8.1f}  predicted {predicted:8.1f}  error {error:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
