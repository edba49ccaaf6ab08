"""Consumer capacity: how many events a second the processor drains, and how fast Lambda gets there.

A batch of ``n`` records takes::

    batch_overhead_ms + n x per_record_ms + ceil(n / concurrent_writes) x dynamodb_round_trip_ms

The bundled handler writes a batch's records concurrently (a pool of
``concurrent_writes`` threads, 10), so a batch of 10 waits for one DynamoDB
round trip, not ten; its CPU time per record is what ``bench/handler_bench.py``
measured, scaled to the function's share of a vCPU. Capacity is then::

    max_concurrency x batch_size / batch_duration   (events a second)

with the batch capped by Lambda's 6 MB payload. Lambda reaches that
concurrency gradually: :class:`PollerScaling` holds the documented start and
scale-up rate. Every default below is printed by ``plan`` with its source and
can be overridden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .. import defaults
from .figures import FIGURES

__all__ = ["ConsumerSettings", "PollerScaling", "ProcessingModel", "capacity_per_second", "effective_batch_size"]

#: The bundled handler's writer pool (``MAX_CONCURRENT_WRITES`` in lambda/shipment_processor/store.py).
HANDLER_CONCURRENT_WRITES = 10
#: CPU time of the bundled handler per record on one full core: 0.91 ms, measured by bench/handler_bench.py
#: (concurrent endpoint, bench/README.md "Latest results").
MEASURED_CPU_MS_PER_RECORD = 0.91
#: DynamoDB's documented latency is single-digit milliseconds within a Region; 10 ms is the top of that range.
DYNAMODB_ROUND_TRIP_MS = 10.0
#: Fixed cost of one batch: Lambda's invoke of a warm function, the handler's EMF document and the poller's
#: DeleteMessageBatch. AWS publishes no figure; 20 ms is an assumption (the local run's own, measured by the
#: validation test, is printed in docs/capacity-planning.md).
BATCH_OVERHEAD_MS = 20.0


@dataclass(frozen=True)
class ProcessingModel:
    """How long one batch takes.

    Attributes:
        per_record_ms: Handler CPU time per record.
        dynamodb_round_trip_ms: One DynamoDB PutItem round trip.
        batch_overhead_ms: Fixed time per batch (invoke, metrics document, delete).
        concurrent_writes: Records the handler writes at once.
        sources: Where each figure comes from, by field name (printed with the plan).
    """

    per_record_ms: float
    dynamodb_round_trip_ms: float = DYNAMODB_ROUND_TRIP_MS
    batch_overhead_ms: float = BATCH_OVERHEAD_MS
    concurrent_writes: int = HANDLER_CONCURRENT_WRITES
    sources: tuple[tuple[str, str], ...] = ()

    @classmethod
    def for_memory(cls, memory_mib: int, **overrides: float | None) -> ProcessingModel:
        """The defaults for a function of ``memory_mib``; overrides that are not ``None`` win (and are labelled so).

        Lambda gives a function CPU in proportion to its memory, one vCPU at
        1,769 MB, so the measured CPU time per record is scaled by
        ``1769 / memory`` below that.
        """
        full = FIGURES["lambda_cpu_full_vcpu_mib"].value
        share = min(1.0, memory_mib / full)
        model = cls(
            per_record_ms=MEASURED_CPU_MS_PER_RECORD / share,
            sources=(
                (
                    "per_record_ms",
                    f"{MEASURED_CPU_MS_PER_RECORD} ms CPU per record measured by bench/handler_bench.py, "
                    f"x {1 / share:.2f} for {memory_mib} MB (one vCPU at {full:,.0f} MB)",
                ),
                ("dynamodb_round_trip_ms", "DynamoDB's single-digit-millisecond latency, top of the range"),
                ("batch_overhead_ms", "assumption: warm invoke, metrics document and DeleteMessageBatch"),
            ),
        )
        given = {name: float(value) for name, value in overrides.items() if value is not None}
        unknown = set(given) - {"per_record_ms", "dynamodb_round_trip_ms", "batch_overhead_ms"}
        if unknown:
            raise TypeError(f"unknown model figures: {sorted(unknown)}")
        if not given:
            return model
        sources = tuple((name, "given" if name in given else source) for name, source in model.sources)
        return replace(
            model,
            per_record_ms=given.get("per_record_ms", model.per_record_ms),
            dynamodb_round_trip_ms=given.get("dynamodb_round_trip_ms", model.dynamodb_round_trip_ms),
            batch_overhead_ms=given.get("batch_overhead_ms", model.batch_overhead_ms),
            sources=sources,
        )

    def batch_seconds(self, records: float) -> float:
        """Duration of a batch of ``records`` (at least one)."""
        records = max(1.0, records)
        round_trips = math.ceil(records / self.concurrent_writes)
        return (
            self.batch_overhead_ms + records * self.per_record_ms + round_trips * self.dynamodb_round_trip_ms
        ) / 1000.0


@dataclass(frozen=True)
class PollerScaling:
    """How Lambda's SQS pollers scale: start at ``initial`` batches, add ``per_minute`` while messages wait.

    When the queue empties, Lambda scales back to ``initial`` (AWS: "when
    traffic is low, Lambda scales back the processing to five concurrent
    batches").
    """

    initial: float = FIGURES["poller_initial_batches"].value
    per_minute: float = FIGURES["poller_scale_up_per_minute"].value
    maximum: float = FIGURES["poller_max_batches"].value


@dataclass(frozen=True)
class ConsumerSettings:
    """The deployed settings that decide capacity, backlog and alarms.

    Attributes:
        batch_size: Records per invocation (``BatchSize``).
        max_concurrency: Event source mapping maximum concurrency (``ScalingConfig.MaximumConcurrency``).
        batching_window_seconds: ``MaximumBatchingWindowInSeconds``.
        memory_mib: Function memory.
        timeout_seconds: Function timeout.
        retention_seconds: Source queue message retention.
        dead_letter_retention_seconds: DLQ message retention.
        provisioned: ``None`` for on-demand, else ``(min_write, max_write, target_percent)``.
        source: Where the settings came from.
    """

    batch_size: int = defaults.BATCH_SIZE
    max_concurrency: int = defaults.MAX_CONCURRENCY
    batching_window_seconds: float = defaults.MAX_BATCHING_WINDOW_SECONDS
    memory_mib: int = defaults.MEMORY_SIZE_MIB
    timeout_seconds: float = defaults.FUNCTION_TIMEOUT_SECONDS
    retention_seconds: float = defaults.QUEUE_RETENTION_DAYS * 86_400
    dead_letter_retention_seconds: float = defaults.DEAD_LETTER_RETENTION_DAYS * 86_400
    provisioned: tuple[int, int, int] | None = None
    source: str = "defaults"


def effective_batch_size(batch_size: int, event_bytes: int) -> int:
    """The records a batch can hold: ``batch_size``, or fewer when they would pass Lambda's 6 MB payload."""
    payload = int(FIGURES["lambda_payload_bytes"].value)
    return max(1, min(batch_size, payload // max(1, event_bytes)))


def capacity_per_second(settings: ConsumerSettings, processing: ProcessingModel, event_bytes: int) -> float:
    """Events a second the consumers drain at full concurrency with full batches (the mapping's own ceiling)."""
    batch = effective_batch_size(settings.batch_size, event_bytes)
    return settings.max_concurrency * batch / processing.batch_seconds(batch)
