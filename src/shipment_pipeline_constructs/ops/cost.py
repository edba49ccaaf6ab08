"""Monthly cost model of one pipeline: itemized like the seed's cost section, priced from ``prices.json``.

Inputs are a :class:`Workload` (events a day and the assumptions about them)
and a :class:`PipelineConfig` (what was deployed: from the construct's
options with :meth:`PipelineConfig.from_options`, or from a synthesized
template with :meth:`PipelineConfig.from_template`). Every line says its
quantity and unit price, so the arithmetic can be checked by hand; the free
tier is a separate credit, because it is per account and shared.

How the model counts (a month is 30 days, as the seed's 900k/month):

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
  (1 a second plus 5% of the rest) when tracing is on; KMS when the queues
  use a customer managed key.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from .. import defaults, shape

DAYS_PER_MONTH = 30
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
#: The processor's EMF metrics, one dimension value each.
PROCESSOR_METRICS = len(shape.PROCESSOR_METRICS)
#: SQS reuses a KMS data key for 5 minutes per principal; EventBridge and Lambda are two principals.
KMS_REUSE_SECONDS = 300
KMS_PRINCIPALS = 2
#: Lambda's X-Ray sampling: the first request each second and 5% of the others.
XRAY_RESERVOIR_PER_SECOND = 1
XRAY_RATE = 0.05


@dataclass(frozen=True)
class Workload:
    """The load and what the model assumes about it (each default is the model's assumption, printed with the result).

    Attributes:
        events_per_day: Shipment events put on the bus a day.
        event_bytes: Size of one event (EventBridge envelope, SQS body, stored item). Default: ``1024``.
        error_rate: Share of events that fail and get an error record and a quarantine send. Default: ``0.001``.
        duplicate_rate: Extra deliveries (retries, replays) as a share of events. Default: ``0.01``.
        invocation_ms: Billed duration of an invocation, fixed part. Default: ``40``.
        per_message_ms: Billed duration added per message in the batch. Default: ``5``.
        log_bytes_per_invocation: Log ingested per invocation (platform lines and the EMF document). Default: ``1200``.
        log_bytes_per_error: Log ingested per failed record. Default: ``2000``.
    """

    events_per_day: int
    event_bytes: int = 1024
    error_rate: float = 0.001
    duplicate_rate: float = 0.01
    invocation_ms: float = 40
    per_message_ms: float = 5
    log_bytes_per_invocation: int = 1200
    log_bytes_per_error: int = 2000

    @property
    def events_per_month(self) -> int:
        """Events in a 30-day month."""
        return self.events_per_day * DAYS_PER_MONTH


@dataclass(frozen=True)
class PipelineConfig:
    """The deployed settings that drive cost.

    ``provisioned`` is ``None`` for on-demand, else
    ``(min_write, max_write, min_read, max_read, target_utilization_percent)``.
    ``customer_managed_key`` says the queues use a KMS key (its requests are
    billed); ``kms_keys`` counts the keys the stack creates (the alarm topic's
    own key by default). The defaults are the construct's defaults.
    """

    memory_mib: int = defaults.MEMORY_SIZE_MIB
    architecture: str = "arm64"
    batch_size: int = defaults.BATCH_SIZE
    max_batching_window_seconds: int = defaults.MAX_BATCHING_WINDOW_SECONDS
    tracing: bool = True
    log_retention_days: int = 30
    ttl_days: int = defaults.EVENT_TTL_DAYS
    point_in_time_recovery: bool = defaults.POINT_IN_TIME_RECOVERY
    provisioned: Optional[tuple[int, int, int, int, int]] = None
    archive: bool = True
    archive_retention_days: int = defaults.ARCHIVE_RETENTION_DAYS
    customer_managed_key: bool = False
    kms_keys: int = 1
    dashboards: int = 1
    alarms: int = 9
    source: str = "defaults"

    @classmethod
    def from_options(
        cls,
        *,
        processor: Any = None,
        storage: Any = None,
        ingest: Any = None,
        alarms: Any = None,
        ttl_days: int = defaults.EVENT_TTL_DAYS,
        encryption_key: bool = False,
        alarm_topic: bool = False,
        dashboard: bool = True,
    ) -> "PipelineConfig":
        """The configuration a :class:`ShipmentEventPipeline` with these props deploys.

        ``encryption_key`` and ``alarm_topic`` say whether those props are
        given (a key created in the same stack counts as one more key).
        """
        from ..observe.thresholds import AlarmThresholds
        from ..options import IngestOptions, ProcessorOptions, StorageOptions

        alarm_count = len((alarms or AlarmThresholds()).enabled())
        # The construct creates the alarm topic, with its own KMS key, when some alarm is on and no topic is given.
        topic_keys = 1 if alarm_count and not alarm_topic else 0
        processor = processor or ProcessorOptions()
        storage = storage or StorageOptions()
        ingest = ingest or IngestOptions()
        capacity = storage.provisioned
        return cls(
            memory_mib=processor.memory_size_mib,
            architecture=processor.architecture.name,
            batch_size=processor.batch_size,
            max_batching_window_seconds=processor.max_batching_window_seconds,
            tracing=processor.tracing,
            log_retention_days=_retention_days(processor.log_retention),
            ttl_days=ttl_days,
            point_in_time_recovery=storage.point_in_time_recovery,
            provisioned=(
                None
                if capacity is None
                else (
                    capacity.min_write_units,
                    capacity.max_write_units,
                    capacity.min_read_units,
                    capacity.max_read_units,
                    capacity.target_utilization_percent,
                )
            ),
            archive=ingest.archive,
            archive_retention_days=ingest.archive_retention_days,
            customer_managed_key=encryption_key,
            kms_keys=topic_keys + (1 if encryption_key else 0),
            dashboards=1 if dashboard else 0,
            alarms=alarm_count,
            source="construct options",
        )

    @classmethod
    def from_template(cls, template: Mapping[str, Any], source: str = "template") -> "PipelineConfig":
        """The configuration in a synthesized template.

        Resources are found by construct path (``aws:cdk:path`` metadata, which
        ``cdk synth`` writes), or without it by what only they look like.
        """
        resources: dict[str, dict] = template.get("Resources", {})

        def props(path_suffix: str, kind: str, looks_right: Callable[[dict], bool] = lambda _: True) -> dict:
            for resource in resources.values():
                if resource.get("Metadata", {}).get("aws:cdk:path", "").endswith(path_suffix):
                    return resource.get("Properties", {})
            for resource in resources.values():
                if resource.get("Type") == kind and looks_right(resource.get("Properties", {})):
                    return resource.get("Properties", {})
            return {}

        def count(kind: str) -> int:
            return sum(1 for resource in resources.values() if resource.get("Type") == kind)

        def variables(properties: dict) -> dict:
            return properties.get("Environment", {}).get("Variables", {})

        def key_names(properties: dict) -> list:
            return [key.get("AttributeName") for key in properties.get("KeySchema", [])]

        function = props("/Processor/Resource", "AWS::Lambda::Function", lambda p: "EVENTS_TABLE_NAME" in variables(p))
        mapping = props("/QueueEventSource/Resource", "AWS::Lambda::EventSourceMapping")
        if not function or not mapping:
            raise ValueError(
                f"{source} holds no ShipmentEventPipeline (no processor function and event source mapping)"
            )
        table = props(
            "/EventsTable/Resource",
            "AWS::DynamoDB::Table",
            lambda p: key_names(p) == [defaults.EVENTS_PARTITION_KEY, defaults.EVENTS_SORT_KEY],
        )
        archive = props("/Archive/Archive", "AWS::Events::Archive")
        log_group = props(
            "/ProcessorLogGroup/Resource",
            "AWS::Logs::LogGroup",
            lambda p: "/aws/lambda/" in str(p.get("LogGroupName", "")),
        )
        queue = props("/Queue/Resource", "AWS::SQS::Queue", lambda p: "RedrivePolicy" in p)
        return cls(
            memory_mib=int(function.get("MemorySize", 128)),
            architecture=(function.get("Architectures") or ["x86_64"])[0],
            batch_size=int(mapping.get("BatchSize", 10)),
            max_batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
            tracing=function.get("TracingConfig", {}).get("Mode") == "Active",
            log_retention_days=int(log_group.get("RetentionInDays", 3653)),
            ttl_days=_int(variables(function).get("TTL_DAYS"), defaults.EVENT_TTL_DAYS),
            point_in_time_recovery=bool(
                table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False)
            ),
            provisioned=_provisioned_from_template(resources, table),
            archive=bool(archive),
            archive_retention_days=int(archive.get("RetentionDays", 0)) if archive else 0,
            customer_managed_key="KmsMasterKeyId" in queue,
            kms_keys=count("AWS::KMS::Key"),
            dashboards=count("AWS::CloudWatch::Dashboard"),
            alarms=count("AWS::CloudWatch::Alarm"),
            source=source,
        )


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


def load_prices(path: Optional[Path] = None) -> dict[str, Any]:
    """The price file: ``path``, or the one shipped in this package."""
    if path is not None:
        return json.loads(Path(path).read_text())
    return json.loads(importlib_resources.files(__package__).joinpath("prices.json").read_text())


def messages_per_invocation(workload: Workload, config: PipelineConfig) -> float:
    """Average batch the function receives (see the module doc)."""
    per_second = workload.events_per_day / 86_400
    collected = per_second * config.max_batching_window_seconds
    return min(float(config.batch_size), max(1.0, collected))


def estimate(
    workload: Workload, config: PipelineConfig, prices_file: Optional[Mapping[str, Any]] = None
) -> CostEstimate:
    """Price one month of ``workload`` on ``config``."""
    data = prices_file or load_prices()
    price, free = data["prices"], data["free_tier"]
    result = CostEstimate(workload, config, data["region"], data["as_of"])
    add = result.lines.append
    events = workload.events_per_month
    chunks = math.ceil(workload.event_bytes / CHUNK_BYTES)
    batch = messages_per_invocation(workload, config)
    invocations = events / batch
    failures = events * workload.error_rate

    # EventBridge
    add(
        _line(
            "EventBridge",
            "custom events put",
            events * chunks,
            "events",
            price["eventbridge_custom_event_per_million"],
            1e6,
        )
    )
    if config.archive:
        add(
            _line(
                "EventBridge",
                "archive processing",
                events * workload.event_bytes / GB,
                "GB",
                price["eventbridge_archive_processing_per_gb"],
            )
        )
        stored = workload.events_per_day * config.archive_retention_days * workload.event_bytes / GB
        add(
            _line(
                "EventBridge",
                f"archive storage ({config.archive_retention_days} days kept)",
                stored,
                "GB-month",
                price["eventbridge_archive_storage_per_gb_month"],
            )
        )

    # SQS: all requests share one price and one free tier.
    sqs_price = price["sqs_standard_request_per_million"]
    empty_polls = IDLE_POLLERS * SECONDS_PER_MONTH / LONG_POLL_SECONDS
    sqs_items = [
        ("SendMessage from EventBridge", events * chunks),
        ("ReceiveMessage with messages", invocations),
        ("DeleteMessageBatch", invocations),
        (f"empty long polls ({IDLE_POLLERS} pollers x 1 per {LONG_POLL_SECONDS} s)", empty_polls),
        ("quarantine sends to the DLQ", failures),
    ]
    sqs_free = _share_free(sum(quantity for _, quantity in sqs_items), free["sqs_requests"])
    for item, quantity in sqs_items:
        add(_line("SQS", item, quantity, "requests", sqs_price, 1e6, free_quantity=quantity * sqs_free))

    # Lambda
    seconds = (workload.invocation_ms + workload.per_message_ms * batch) / 1000
    gb_seconds = invocations * seconds * config.memory_mib / 1024
    add(
        _line(
            "Lambda",
            f"requests ({batch:g} messages each)",
            invocations,
            "requests",
            price["lambda_request_per_million"],
            1e6,
            free_quantity=min(invocations, free["lambda_requests"]),
        )
    )
    add(
        _line(
            "Lambda",
            f"duration ({config.memory_mib} MB, {seconds * 1000:g} ms, {config.architecture})",
            gb_seconds,
            "GB-s",
            price[f"lambda_gb_second_{'arm64' if config.architecture.lower().startswith('arm') else 'x86_64'}"],
            free_quantity=min(gb_seconds, free["lambda_gb_seconds"]),
        )
    )

    # DynamoDB
    write_units = math.ceil(workload.event_bytes / 1024)
    event_writes = events * (1 + workload.duplicate_rate) * write_units
    error_units = math.ceil((workload.event_bytes + 300) / 1024)
    error_writes = failures * error_units * 2  # table + by-shipment index
    if config.provisioned is None:
        add(
            _line(
                "DynamoDB",
                "event writes, on-demand (conditional puts)",
                event_writes,
                "WRU",
                price["dynamodb_on_demand_write_per_million"],
                1e6,
            )
        )
    else:
        min_write, max_write, min_read, _max_read, target = config.provisioned
        average = event_writes / SECONDS_PER_MONTH
        wcu = min(max_write, max(min_write, math.ceil(average / (target / 100))))
        add(
            _line(
                "DynamoDB",
                f"provisioned writes (avg {average:.1f}/s at {target}% target)",
                wcu * HOURS_PER_MONTH,
                "WCU-hours",
                price["dynamodb_provisioned_wcu_hour"],
                free_quantity=min(wcu, free["dynamodb_provisioned_wcu"]) * HOURS_PER_MONTH,
            )
        )
        add(
            _line(
                "DynamoDB",
                "provisioned reads (minimum)",
                min_read * HOURS_PER_MONTH,
                "RCU-hours",
                price["dynamodb_provisioned_rcu_hour"],
                free_quantity=min(min_read, free["dynamodb_provisioned_rcu"]) * HOURS_PER_MONTH,
            )
        )
    add(
        _line(
            "DynamoDB",
            "error-record writes (table + index)",
            error_writes,
            "WRU",
            price["dynamodb_on_demand_write_per_million"],
            1e6,
        )
    )
    kept_days = config.ttl_days + TTL_LAG_DAYS
    event_gb = workload.events_per_day * kept_days * (workload.event_bytes + ITEM_OVERHEAD_BYTES) / GB
    error_gb = (
        workload.events_per_day
        * workload.error_rate
        * kept_days
        * 2
        * (workload.event_bytes + 300 + ITEM_OVERHEAD_BYTES)
        / GB
    )
    storage_gb = event_gb + error_gb
    add(
        _line(
            "DynamoDB",
            f"storage ({config.ttl_days}-day TTL + {TTL_LAG_DAYS} days lag)",
            storage_gb,
            "GB-month",
            price["dynamodb_storage_per_gb_month"],
            free_quantity=min(storage_gb, free["dynamodb_storage_gb"]),
        )
    )
    # The errors table always has PITR; the events table as configured.
    pitr_gb = (event_gb if config.point_in_time_recovery else 0) + error_gb
    add(_line("DynamoDB", "point-in-time recovery", pitr_gb, "GB-month", price["dynamodb_pitr_per_gb_month"]))

    # CloudWatch and X-Ray
    add(
        _line(
            "CloudWatch",
            "dashboards",
            config.dashboards,
            "dashboards",
            price["cloudwatch_dashboard_month"],
            free_quantity=min(config.dashboards, free["cloudwatch_dashboards"]),
        )
    )
    add(
        _line(
            "CloudWatch",
            "standard alarms",
            config.alarms,
            "alarms",
            price["cloudwatch_standard_alarm_month"],
            free_quantity=min(config.alarms, free["cloudwatch_alarms"]),
        )
    )
    add(
        _line(
            "CloudWatch",
            "custom metrics (processor EMF)",
            PROCESSOR_METRICS,
            "metrics",
            price["cloudwatch_custom_metric_month"],
            free_quantity=min(PROCESSOR_METRICS, free["cloudwatch_custom_metrics"]),
        )
    )
    log_gb = (invocations * workload.log_bytes_per_invocation + failures * workload.log_bytes_per_error) / GB
    add(
        _line(
            "CloudWatch",
            "logs ingested",
            log_gb,
            "GB",
            price["cloudwatch_logs_ingest_per_gb"],
            free_quantity=min(log_gb, free["cloudwatch_logs_ingest_gb"]),
        )
    )
    stored_logs = log_gb * min(config.log_retention_days, 3653) / DAYS_PER_MONTH
    add(
        _line(
            "CloudWatch",
            f"logs stored ({config.log_retention_days} days kept)",
            stored_logs,
            "GB-month",
            price["cloudwatch_logs_storage_per_gb_month"],
            free_quantity=min(stored_logs, free["cloudwatch_logs_storage_gb"]),
        )
    )
    if config.tracing:
        per_second = invocations / SECONDS_PER_MONTH
        sampled = min(per_second, XRAY_RESERVOIR_PER_SECOND) + XRAY_RATE * max(
            0.0, per_second - XRAY_RESERVOIR_PER_SECOND
        )
        traces = sampled * SECONDS_PER_MONTH
        add(
            _line(
                "X-Ray",
                "traces recorded (1/s + 5%)",
                traces,
                "traces",
                price["xray_trace_recorded_per_million"],
                1e6,
                free_quantity=min(traces, free["xray_traces_recorded"]),
            )
        )
    if config.kms_keys:
        add(_line("KMS", "KMS keys the stack creates", config.kms_keys, "keys", price["kms_key_month"]))
    if config.customer_managed_key:
        requests = KMS_PRINCIPALS * SECONDS_PER_MONTH / KMS_REUSE_SECONDS
        add(
            _line(
                "KMS",
                "requests (data key reuse 5 min)",
                requests,
                "requests",
                price["kms_request_per_10k"],
                1e4,
                free_quantity=min(requests, free["kms_requests"]),
            )
        )

    result.assumptions = [
        f"{DAYS_PER_MONTH}-day month: {events:,} events; {workload.event_bytes} bytes each",
        f"{batch:g} message(s) per invocation (batch size {config.batch_size}, window {config.max_batching_window_seconds} s)",
        f"error rate {workload.error_rate:g}, duplicate deliveries {workload.duplicate_rate:g}",
        f"configuration from {config.source}: {config.dashboards} dashboard(s), {config.alarms} alarm(s), {config.kms_keys} KMS key(s)",
        "not priced: SNS alarm notifications (within SNS's free tier at alarm volumes), data transfer (none leaves the region)",
        "free tier: the always-free monthly allowance, if nothing else in the account uses it",
    ]
    return result


def format_estimate(result: CostEstimate) -> str:
    """The itemized text view."""
    workload = result.workload
    lines = [
        f"Estimated monthly cost for {workload.events_per_day:,} events/day "
        f"({result.region} prices of {result.prices_as_of}, USD)"
    ]
    service = None
    for line in result.lines:
        if line.service != service:
            service = line.service
            lines.append(f"{service} (${result.by_service()[service]:.2f})")
        lines.append(
            f"  {line.item:<58} {_quantity(line.quantity):>14} {line.unit:<10} x {_price(line)}  = ${line.monthly_usd:>9.2f}"
        )
    lines.append(f"{'Total at list price':<{_TOTAL_COLUMN}}${result.total_usd:>9.2f}")
    lines.append(f"{'Free tier (always free, per account)':<{_TOTAL_COLUMN - 1}}-${result.free_tier_usd:>9.2f}")
    lines.append(f"{'Total after free tier':<{_TOTAL_COLUMN}}${result.after_free_tier_usd:>9.2f}")
    lines.append("Assumptions:")
    lines += [f"  - {assumption}" for assumption in result.assumptions]
    return "\n".join(lines)


# Where the "$" of a line's amount falls: "  " item(58) " " quantity(14) " " unit(10) " x " price(12) "  = ".
_TOTAL_COLUMN = 2 + 58 + 1 + 14 + 1 + 10 + 3 + 12 + 4


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


def _provisioned_from_template(
    resources: Mapping[str, dict], table: Mapping[str, Any]
) -> Optional[tuple[int, int, int, int, int]]:
    if table.get("BillingMode") == "PAY_PER_REQUEST" or not table.get("ProvisionedThroughput"):
        return None
    throughput = table["ProvisionedThroughput"]
    bounds = {
        "WriteCapacityUnits": (throughput["WriteCapacityUnits"],) * 2,
        "ReadCapacityUnits": (throughput["ReadCapacityUnits"],) * 2,
    }
    target = defaults.PROVISIONED_TARGET_UTILIZATION_PERCENT
    for resource in resources.values():
        properties = resource.get("Properties", {})
        dimension = str(properties.get("ScalableDimension", ""))
        if resource.get("Type") == "AWS::ApplicationAutoScaling::ScalableTarget" and dimension.startswith(
            "dynamodb:table:"
        ):
            bounds[dimension.rsplit(":", 1)[-1]] = (properties["MinCapacity"], properties["MaxCapacity"])
        if resource.get("Type") == "AWS::ApplicationAutoScaling::ScalingPolicy":
            target = int(properties.get("TargetTrackingScalingPolicyConfiguration", {}).get("TargetValue", target))
    (min_write, max_write), (min_read, max_read) = bounds["WriteCapacityUnits"], bounds["ReadCapacityUnits"]
    return (int(min_write), int(max_write), int(min_read), int(max_read), target)


#: CloudWatch Logs retention values, in the order of ``aws_logs.RetentionDays``; INFINITE is costed as 10 years.
_RETENTION_DAYS = dict(
    zip(
        "ONE_DAY THREE_DAYS FIVE_DAYS ONE_WEEK TWO_WEEKS ONE_MONTH TWO_MONTHS THREE_MONTHS FOUR_MONTHS FIVE_MONTHS "
        "SIX_MONTHS ONE_YEAR THIRTEEN_MONTHS EIGHTEEN_MONTHS TWO_YEARS THREE_YEARS FIVE_YEARS SIX_YEARS SEVEN_YEARS "
        "EIGHT_YEARS NINE_YEARS TEN_YEARS INFINITE".split(),
        (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 3653),
        strict=True,
    )
)


def _retention_days(retention: Any) -> int:
    return _RETENTION_DAYS.get(getattr(retention, "name", str(retention)), 3653)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _quantity(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.3f}"


def _price(line: CostLine) -> str:
    if line.unit_price < 0.001:
        return f"${line.unit_price * 1e6:.4g}/M".ljust(12)
    return f"${line.unit_price:.4g}".ljust(12)
