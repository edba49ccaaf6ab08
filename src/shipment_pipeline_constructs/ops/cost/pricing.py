"""Price one month of a workload on a configuration: :func:`estimate`, one function per service.

How the model counts (a month is 30 days):

- EventBridge: one custom event per put entry (per 64 KB chunk), archive
  processing per GB and archive storage for ``archive_retention_days``.
- SQS: one ``SendMessage`` per event (EventBridge does not batch to SQS),
  one receive and one ``DeleteMessageBatch`` per invocation, the handler's
  quarantine sends, and the poller's empty long polls: Lambda keeps
  :data:`IDLE_POLLERS` pollers on the queue, each one 20 s long poll at a
  time, whether or not events arrive (an upper bound: busy pollers poll less
  often empty).
- Lambda: invocations = events / messages per invocation. Without a
  batching window the model assumes one message per invocation (the poller
  invokes as soon as a receive returns, which at a few events a second holds
  one message); with a window, what arrives within it, up to the batch size.
- DynamoDB: one conditional put per event (a duplicate costs the same
  write), error records written to the table and its ``by-shipment`` index;
  storage of ``ttl_days`` (+2 days of TTL lag) of items, PITR on that size.
- CloudWatch: dashboards, alarms, the processor's EMF metrics, log ingest and
  storage for the log retention; X-Ray traces at Lambda's sampling rate
  (1 a second plus 5% of the rest) when tracing is on.
- KMS: the keys the stack creates (the alarm topic's own key, unless
  ``encryption_key`` is given); with ``encryption_key``, the requests each
  service makes to it (:func:`kms_requests`). The given key's own $1 a month
  is not counted: the construct does not create it, and its owner pays for
  it once, however many resources it encrypts.

Every line says its quantity and unit price, so the arithmetic can be
checked by hand; the free tier is a separate credit, because it is per
account and shared.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from ... import shape
from .inputs import DAYS_PER_MONTH, NEVER_EXPIRE_DAYS, PipelineConfig, Workload

__all__ = ["CostEstimate", "CostLine", "estimate", "load_prices", "messages_per_invocation"]

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = DAYS_PER_MONTH * 86_400
GB = 1024**3
CHUNK_BYTES = 64 * 1024
#: Pollers Lambda keeps on an SQS queue when idle, each one long poll (20 s) at a time.
IDLE_POLLERS = 5
LONG_POLL_SECONDS = 20
#: Days DynamoDB may take to delete an expired item: storage counts them.
TTL_LAG_DAYS = 2
#: Per-item overhead DynamoDB adds to storage (bytes).
ITEM_OVERHEAD_BYTES = 100
#: An error record is the event plus about this much (reason, ids, timestamps).
ERROR_RECORD_EXTRA_BYTES = 300
#: How long a service keeps using one data key (SQS's default data key reuse period, and the
#: 5 minutes the model assumes for DynamoDB's table key cache, EventBridge and CloudWatch Logs).
KMS_CACHE_SECONDS = 300
#: Lambda's X-Ray sampling: the first request each second and 5% of the others.
XRAY_RESERVOIR_PER_SECOND = 1
XRAY_RATE = 0.05


@dataclass(frozen=True)
class CostLine:
    """One priced line: ``quantity`` ``unit`` x ``unit_price`` = ``monthly_usd``."""

    service: str
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly_usd: float
    free_tier_usd: float = 0.0


@dataclass
class CostEstimate:
    """The itemized estimate; :attr:`total_usd` is at list price, :attr:`after_free_tier_usd` with the free tier."""

    workload: Workload
    config: PipelineConfig
    region: str
    prices_as_of: str
    lines: list[CostLine] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    @property
    def total_usd(self) -> float:
        """Sum of the lines at list price."""
        return sum(line.monthly_usd for line in self.lines)

    @property
    def free_tier_usd(self) -> float:
        """What the always-free tier takes off (if the account has nothing else using it)."""
        return sum(line.free_tier_usd for line in self.lines)

    @property
    def after_free_tier_usd(self) -> float:
        """Total minus the free tier."""
        return self.total_usd - self.free_tier_usd

    def by_service(self) -> dict[str, float]:
        """Monthly list price per service."""
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.service] = totals.get(line.service, 0.0) + line.monthly_usd
        return totals

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "region": self.region,
            "prices_as_of": self.prices_as_of,
            "workload": asdict(self.workload),
            "config": asdict(self.config),
            "lines": [asdict(line) for line in self.lines],
            "by_service_usd": {name: round(value, 4) for name, value in self.by_service().items()},
            "total_usd": round(self.total_usd, 4),
            "free_tier_usd": round(self.free_tier_usd, 4),
            "after_free_tier_usd": round(self.after_free_tier_usd, 4),
            "assumptions": self.assumptions,
        }


def load_prices(path: Path | None = None) -> dict[str, Any]:
    """The price file: ``path``, or the ``prices.json`` shipped in the ``ops`` package."""
    if path is not None:
        return json.loads(Path(path).read_text())
    ops_package = __package__.rpartition(".")[0]
    return json.loads(importlib_resources.files(ops_package).joinpath("prices.json").read_text())


def messages_per_invocation(workload: Workload, config: PipelineConfig) -> float:
    """Average batch the function receives (see the module doc)."""
    per_second = workload.events_per_day / 86_400
    collected = per_second * config.max_batching_window_seconds
    return min(float(config.batch_size), max(1.0, collected))


@dataclass(frozen=True)
class _Month:
    """One month of the workload on the configuration, and the prices: what every service line reads."""

    workload: Workload
    config: PipelineConfig
    price: Mapping[str, float]
    free: Mapping[str, float]

    @property
    def events(self) -> int:
        return self.workload.events_per_month

    @property
    def chunks(self) -> int:
        """64 KB chunks per event: EventBridge and SQS bill each one."""
        return math.ceil(self.workload.event_bytes / CHUNK_BYTES)

    @property
    def batch(self) -> float:
        return messages_per_invocation(self.workload, self.config)

    @property
    def invocations(self) -> float:
        return self.events / self.batch

    @property
    def failures(self) -> float:
        return self.events * self.workload.error_rate


def estimate(workload: Workload, config: PipelineConfig, prices_file: Mapping[str, Any] | None = None) -> CostEstimate:
    """Price one month of ``workload`` on ``config``."""
    data = prices_file or load_prices()
    month = _Month(workload, config, data["prices"], data["free_tier"])
    result = CostEstimate(workload, config, data["region"], data["as_of"])
    for service_lines in _SERVICES:
        result.lines.extend(service_lines(month))
    result.assumptions = _assumptions(month)
    return result


def _eventbridge(month: _Month) -> Iterator[CostLine]:
    workload, config, price = month.workload, month.config, month.price
    yield _line(
        "EventBridge",
        "custom events put",
        month.events * month.chunks,
        "events",
        price["eventbridge_custom_event_per_million"],
        1e6,
    )
    if config.archive:
        yield _line(
            "EventBridge",
            "archive processing",
            month.events * workload.event_bytes / GB,
            "GB",
            price["eventbridge_archive_processing_per_gb"],
        )
        stored = workload.events_per_day * config.archive_retention_days * workload.event_bytes / GB
        yield _line(
            "EventBridge",
            f"archive storage ({config.archive_retention_days} days kept)",
            stored,
            "GB-month",
            price["eventbridge_archive_storage_per_gb_month"],
        )


def _sqs(month: _Month) -> Iterator[CostLine]:
    """All SQS requests share one price and one free tier."""
    empty_polls = IDLE_POLLERS * SECONDS_PER_MONTH / LONG_POLL_SECONDS
    items = [
        ("SendMessage from EventBridge", month.events * month.chunks),
        ("ReceiveMessage with messages", month.invocations),
        ("DeleteMessageBatch", month.invocations),
        (f"empty long polls ({IDLE_POLLERS} pollers x 1 per {LONG_POLL_SECONDS} s)", empty_polls),
        ("quarantine sends to the quarantine queue", month.failures),
    ]
    free_share = _share_free(sum(quantity for _, quantity in items), month.free["sqs_requests"])
    for item, quantity in items:
        yield _line(
            "SQS",
            item,
            quantity,
            "requests",
            month.price["sqs_standard_request_per_million"],
            1e6,
            free_quantity=quantity * free_share,
        )


def _lambda(month: _Month) -> Iterator[CostLine]:
    workload, config, price, free = month.workload, month.config, month.price, month.free
    invocations, batch = month.invocations, month.batch
    seconds = (workload.invocation_ms + workload.per_message_ms * batch) / 1000
    gb_seconds = invocations * seconds * config.memory_mib / 1024
    architecture = "arm64" if config.architecture.lower().startswith("arm") else "x86_64"
    yield _line(
        "Lambda",
        f"requests ({batch:g} messages each)",
        invocations,
        "requests",
        price["lambda_request_per_million"],
        1e6,
        free_quantity=min(invocations, free["lambda_requests"]),
    )
    yield _line(
        "Lambda",
        f"duration ({config.memory_mib} MB, {seconds * 1000:g} ms, {config.architecture})",
        gb_seconds,
        "GB-s",
        price[f"lambda_gb_second_{architecture}"],
        free_quantity=min(gb_seconds, free["lambda_gb_seconds"]),
    )


def _dynamodb_writes(month: _Month) -> Iterator[CostLine]:
    workload, config, price, free = month.workload, month.config, month.price, month.free
    event_writes = month.events * (1 + workload.duplicate_rate) * math.ceil(workload.event_bytes / 1024)
    if config.provisioned is None:
        yield _line(
            "DynamoDB",
            "event writes, on-demand (conditional puts)",
            event_writes,
            "WRU",
            price["dynamodb_on_demand_write_per_million"],
            1e6,
        )
    else:
        min_write, max_write, min_read, _max_read, target = config.provisioned
        average = event_writes / SECONDS_PER_MONTH
        wcu = min(max_write, max(min_write, math.ceil(average / (target / 100))))
        yield _line(
            "DynamoDB",
            f"provisioned writes (avg {average:.1f}/s at {target}% target)",
            wcu * HOURS_PER_MONTH,
            "WCU-hours",
            price["dynamodb_provisioned_wcu_hour"],
            free_quantity=min(wcu, free["dynamodb_provisioned_wcu"]) * HOURS_PER_MONTH,
        )
        yield _line(
            "DynamoDB",
            "provisioned reads (minimum)",
            min_read * HOURS_PER_MONTH,
            "RCU-hours",
            price["dynamodb_provisioned_rcu_hour"],
            free_quantity=min(min_read, free["dynamodb_provisioned_rcu"]) * HOURS_PER_MONTH,
        )
    error_units = math.ceil((workload.event_bytes + ERROR_RECORD_EXTRA_BYTES) / 1024)
    yield _line(
        "DynamoDB",
        "error-record writes (table + index)",
        month.failures * error_units * 2,  # table + by-shipment index
        "WRU",
        price["dynamodb_on_demand_write_per_million"],
        1e6,
    )


def _dynamodb_storage(month: _Month) -> Iterator[CostLine]:
    workload, config = month.workload, month.config
    kept_days = config.ttl_days + TTL_LAG_DAYS
    event_gb = workload.events_per_day * kept_days * (workload.event_bytes + ITEM_OVERHEAD_BYTES) / GB
    error_bytes = workload.event_bytes + ERROR_RECORD_EXTRA_BYTES + ITEM_OVERHEAD_BYTES
    error_gb = workload.events_per_day * workload.error_rate * kept_days * 2 * error_bytes / GB
    storage_gb = event_gb + error_gb
    yield _line(
        "DynamoDB",
        f"storage ({config.ttl_days}-day TTL + {TTL_LAG_DAYS} days lag)",
        storage_gb,
        "GB-month",
        month.price["dynamodb_storage_per_gb_month"],
        free_quantity=min(storage_gb, month.free["dynamodb_storage_gb"]),
    )
    # The errors table always has PITR; the events table as configured.
    pitr_gb = (event_gb if config.point_in_time_recovery else 0) + error_gb
    yield _line("DynamoDB", "point-in-time recovery", pitr_gb, "GB-month", month.price["dynamodb_pitr_per_gb_month"])


def _cloudwatch(month: _Month) -> Iterator[CostLine]:
    workload, config, price, free = month.workload, month.config, month.price, month.free
    counted = (
        ("dashboards", config.dashboards, "dashboards", "cloudwatch_dashboard_month", "cloudwatch_dashboards"),
        ("standard alarms", config.alarms, "alarms", "cloudwatch_standard_alarm_month", "cloudwatch_alarms"),
        (
            "custom metrics (processor EMF)",
            len(shape.PROCESSOR_METRICS),  # one dimension value (the pipeline's name) each
            "metrics",
            "cloudwatch_custom_metric_month",
            "cloudwatch_custom_metrics",
        ),
    )
    for item, quantity, unit, price_key, free_key in counted:
        yield _line("CloudWatch", item, quantity, unit, price[price_key], free_quantity=min(quantity, free[free_key]))
    if config.composite_alarms:
        # The free tier's 10 alarms are standard metric alarms; a composite alarm is always billed.
        yield _line(
            "CloudWatch",
            "composite alarm (PipelineUnhealthy)",
            config.composite_alarms,
            "alarms",
            price["cloudwatch_composite_alarm_month"],
        )
    log_bytes = month.invocations * workload.log_bytes_per_invocation + month.failures * workload.log_bytes_per_error
    log_gb = log_bytes / GB
    yield _line(
        "CloudWatch",
        "logs ingested",
        log_gb,
        "GB",
        price["cloudwatch_logs_ingest_per_gb"],
        free_quantity=min(log_gb, free["cloudwatch_logs_ingest_gb"]),
    )
    stored_logs = log_gb * min(config.log_retention_days, NEVER_EXPIRE_DAYS) / DAYS_PER_MONTH
    yield _line(
        "CloudWatch",
        f"logs stored ({config.log_retention_days} days kept)",
        stored_logs,
        "GB-month",
        price["cloudwatch_logs_storage_per_gb_month"],
        free_quantity=min(stored_logs, free["cloudwatch_logs_storage_gb"]),
    )


def _xray(month: _Month) -> Iterator[CostLine]:
    if not month.config.tracing:
        return
    per_second = month.invocations / SECONDS_PER_MONTH
    sampled = min(per_second, XRAY_RESERVOIR_PER_SECOND) + XRAY_RATE * max(0.0, per_second - XRAY_RESERVOIR_PER_SECOND)
    traces = sampled * SECONDS_PER_MONTH
    yield _line(
        "X-Ray",
        "traces recorded (1/s + 5%)",
        traces,
        "traces",
        month.price["xray_trace_recorded_per_million"],
        1e6,
        free_quantity=min(traces, month.free["xray_traces_recorded"]),
    )


def _kms(month: _Month) -> Iterator[CostLine]:
    """The keys the stack creates, and with ``encryption_key`` the requests each service makes to it.

    Each service reuses or caches a data key (:data:`KMS_CACHE_SECONDS`), so a
    principal asks KMS at most once per period per resource, and never more
    often than it has something to encrypt (see :func:`kms_requests`).
    """
    config = month.config
    if config.kms_keys:
        yield _line("KMS", "KMS keys the stack creates", config.kms_keys, "keys", month.price["kms_key_month"])
    if not config.customer_managed_key:
        return
    items = kms_requests(month)
    free_share = _share_free(sum(quantity for _, quantity in items), month.free["kms_requests"])
    for item, quantity in items:
        yield _line(
            "KMS",
            item,
            quantity,
            "requests",
            month.price["kms_request_per_10k"],
            1e4,
            free_quantity=quantity * free_share,
        )


def kms_requests(month: _Month) -> list[tuple[str, float]]:
    """KMS requests a month to the given key, per service: ``(item, requests)``.

    A period is :data:`KMS_CACHE_SECONDS`; a user of the key asks once per
    period in which it has work, at most once per event:

    - SQS: per queue and principal, one request per data key reuse period
      (``KmsDataKeyReusePeriodSeconds``, 300 s by default): EventBridge's
      ``GenerateDataKey`` on send and the processor's ``Decrypt`` on receive
      for the source queue; the processor's sends to the quarantine queue.
    - DynamoDB: the table key, decrypted once per cache period per table written.
    - EventBridge: the bus's and the archive's data keys, one request each per period.
    - CloudWatch Logs: the log group's data key, one request per period while the function logs.
    """
    config = month.config
    periods = SECONDS_PER_MONTH / KMS_CACHE_SECONDS

    def active(work: float) -> float:
        return min(work, periods)

    items = [
        ("SQS: EventBridge sends, processor receives (5 min reuse)", 2 * active(month.events)),
        ("SQS: quarantine sends", active(month.failures)),
        ("DynamoDB: table keys of both tables (5 min cache)", active(month.events) + active(month.failures)),
        ("EventBridge: the bus's data key (5 min)", active(month.events)),
    ]
    if config.archive:
        items.append(("EventBridge: the archive's data key (5 min)", active(month.events)))
    items.append(("CloudWatch Logs: the log group's data key (5 min)", active(month.invocations)))
    return items


#: The service lines, in the order the estimate lists them.
_SERVICES: tuple[Callable[[_Month], Iterator[CostLine]], ...] = (
    _eventbridge,
    _sqs,
    _lambda,
    _dynamodb_writes,
    _dynamodb_storage,
    _cloudwatch,
    _xray,
    _kms,
)


def _assumptions(month: _Month) -> list[str]:
    workload, config = month.workload, month.config
    kms = (
        [
            "encryption_key: its own $1/month is its owner's (not created by the construct); KMS requests assume "
            f"each service asks once per {KMS_CACHE_SECONDS // 60} minutes it has work (SQS's data key reuse "
            "period; DynamoDB's table key cache, EventBridge and CloudWatch Logs data keys taken as the same), "
            "not counted: DLQ redrives, operator reads, alarm notifications"
        ]
        if config.customer_managed_key
        else []
    )
    return [
        f"{DAYS_PER_MONTH}-day month: {month.events:,} events; {workload.event_bytes} bytes each",
        f"{month.batch:g} message(s) per invocation (batch size {config.batch_size}, "
        f"window {config.max_batching_window_seconds} s)",
        f"error rate {workload.error_rate:g}, duplicate deliveries {workload.duplicate_rate:g}",
        f"configuration from {config.source}: {config.dashboards} dashboard(s), {config.alarms} alarm(s) "
        f"+ {config.composite_alarms} composite, "
        f"{config.kms_keys} KMS key(s)",
        "not priced: SNS alarm notifications (within SNS's free tier at alarm volumes), "
        "data transfer (none leaves the region)",
        "free tier: the always-free monthly allowance, if nothing else in the account uses it",
        *kms,
    ]


def _line(
    service: str,
    item: str,
    quantity: float,
    unit: str,
    unit_price: float,
    per: float = 1.0,
    *,
    free_quantity: float = 0.0,
) -> CostLine:
    """A line priced at ``unit_price`` per ``per`` units (1e6: per million)."""
    return CostLine(
        service=service,
        item=item,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price / per,
        monthly_usd=quantity * unit_price / per,
        free_tier_usd=free_quantity * unit_price / per,
    )


def _share_free(total: float, allowance: float) -> float:
    """The share of each line a shared allowance covers."""
    return min(1.0, allowance / total) if total else 0.0
