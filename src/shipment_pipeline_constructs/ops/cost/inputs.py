"""What the cost model prices: the :class:`Workload` and the deployed :class:`PipelineConfig`.

A configuration comes from the construct's options
(:meth:`PipelineConfig.from_options`), a scaling profile's figures
(:meth:`PipelineConfig.for_sizing`) or a synthesized template
(:meth:`PipelineConfig.from_template`, through :mod:`...template_reader`).
None of them needs aws-cdk-lib: options are read by their attributes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ... import defaults, shape
from ...sizing import Sizing
from ...template_reader import StackTemplate

__all__ = ["PipelineConfig", "Workload"]

DAYS_PER_MONTH = 30
#: What CloudWatch Logs' "never expire" is costed as: ten years.
NEVER_EXPIRE_DAYS = 3653


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


class _Named(Protocol):
    """An enum member of aws-cdk-lib (``Architecture.ARM_64``, ``RetentionDays.ONE_MONTH``): only its name is read."""

    @property
    def name(self) -> str: ...


class ProcessorSettings(Protocol):
    """What the model reads of :class:`ProcessorOptions`."""

    @property
    def memory_size_mib(self) -> int: ...
    @property
    def architecture(self) -> _Named: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def max_batching_window_seconds(self) -> int: ...
    @property
    def tracing(self) -> bool: ...
    @property
    def log_retention(self) -> _Named: ...


class CapacitySettings(Protocol):
    """What the model reads of :class:`ProvisionedCapacity`."""

    @property
    def min_write_units(self) -> int: ...
    @property
    def max_write_units(self) -> int: ...
    @property
    def min_read_units(self) -> int: ...
    @property
    def max_read_units(self) -> int: ...
    @property
    def target_utilization_percent(self) -> int: ...


class StorageSettings(Protocol):
    """What the model reads of :class:`StorageOptions`."""

    @property
    def provisioned(self) -> CapacitySettings | None: ...
    @property
    def point_in_time_recovery(self) -> bool: ...


class IngestSettings(Protocol):
    """What the model reads of :class:`IngestOptions`."""

    @property
    def archive(self) -> bool: ...
    @property
    def archive_retention_days(self) -> int: ...


class AlarmSettings(Protocol):
    """What the model reads of :class:`AlarmThresholds`."""

    def enabled(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class PipelineConfig:
    """The deployed settings that drive cost.

    ``provisioned`` is ``None`` for on-demand, else
    ``(min_write, max_write, min_read, max_read, target_utilization_percent)``.
    ``customer_managed_key`` says ``encryption_key`` is given (the requests
    each service makes to it are billed); ``kms_keys`` counts the keys the
    stack creates (the alarm topic's own key, which a given key replaces).
    The defaults are the construct's defaults.
    """

    memory_mib: int = defaults.MEMORY_SIZE_MIB
    architecture: str = "arm64"
    batch_size: int = defaults.BATCH_SIZE
    max_batching_window_seconds: int = defaults.MAX_BATCHING_WINDOW_SECONDS
    tracing: bool = True
    log_retention_days: int = 30
    ttl_days: int = defaults.EVENT_TTL_DAYS
    point_in_time_recovery: bool = defaults.POINT_IN_TIME_RECOVERY
    provisioned: tuple[int, int, int, int, int] | None = None
    archive: bool = True
    archive_retention_days: int = defaults.ARCHIVE_RETENTION_DAYS
    customer_managed_key: bool = False
    kms_keys: int = 1
    dashboards: int = 1
    alarms: int = len(shape.ALARM_IDS)
    #: ``PipelineUnhealthy``: 1 while some critical alarm is on (by default four are).
    composite_alarms: int = 1
    source: str = "defaults"

    @classmethod
    def from_options(
        cls,
        *,
        processor: ProcessorSettings | None = None,
        storage: StorageSettings | None = None,
        ingest: IngestSettings | None = None,
        alarms: AlarmSettings | None = None,
        ttl_days: int = defaults.EVENT_TTL_DAYS,
        encryption_key: bool = False,
        alarm_topic: bool = False,
        dashboard: bool = True,
    ) -> PipelineConfig:
        """The configuration a :class:`ShipmentEventPipeline` with these props deploys.

        An option group left out is the construct's default. ``encryption_key``
        and ``alarm_topic`` say whether those props are given (the given key is
        not counted as a key: the construct does not create it).
        """
        base = cls()
        alarm_count = base.alarms if alarms is None else len(alarms.enabled())
        # PipelineUnhealthy exists while a critical alarm is on (by default severity: AlarmRouting may move some).
        critical = {d.threshold_field for d in shape.ALARM_DEFAULTS.values() if d.severity == shape.CRITICAL}
        composite_count = base.composite_alarms if alarms is None else int(bool(set(alarms.enabled()) & critical))
        # The construct creates the alarm topic when some alarm is on and no topic is given; it gets a key of
        # its own only without encryption_key.
        topic_keys = 1 if alarm_count and not alarm_topic and not encryption_key else 0
        changes: dict[str, Any] = {
            "ttl_days": ttl_days,
            "customer_managed_key": encryption_key,
            "kms_keys": topic_keys,
            "dashboards": 1 if dashboard else 0,
            "alarms": alarm_count,
            "composite_alarms": composite_count,
            "source": "construct options",
        }
        if processor is not None:
            changes.update(
                memory_mib=processor.memory_size_mib,
                architecture=processor.architecture.name,
                batch_size=processor.batch_size,
                max_batching_window_seconds=processor.max_batching_window_seconds,
                tracing=processor.tracing,
                log_retention_days=_RETENTION_DAYS.get(processor.log_retention.name, NEVER_EXPIRE_DAYS),
            )
        if storage is not None:
            capacity = storage.provisioned
            changes.update(
                point_in_time_recovery=storage.point_in_time_recovery,
                provisioned=None
                if capacity is None
                else (
                    capacity.min_write_units,
                    capacity.max_write_units,
                    capacity.min_read_units,
                    capacity.max_read_units,
                    capacity.target_utilization_percent,
                ),
            )
        if ingest is not None:
            changes.update(archive=ingest.archive, archive_retention_days=ingest.archive_retention_days)
        return dataclasses.replace(base, **changes)

    @classmethod
    def for_sizing(cls, sizing: Sizing, *, encryption_key: bool = False) -> PipelineConfig:
        """The configuration of the construct's defaults sized by a scaling profile (``ScalingProfile.pipeline_props()``)."""
        return dataclasses.replace(
            cls.from_options(encryption_key=encryption_key),
            batch_size=sizing.batch_size,
            max_batching_window_seconds=sizing.max_batching_window_seconds,
            provisioned=sizing.provisioned,
            source=f"scaling profile {sizing.name}",
        )

    @classmethod
    def from_template(cls, template: Mapping[str, Any], source: str = "template") -> PipelineConfig:
        """The configuration in a synthesized template.

        Resources are found by construct path (``aws:cdk:path`` metadata, which
        ``cdk synth`` writes), or without it by what only they look like.
        """
        stack = StackTemplate.parse(template)
        pipeline = stack.pipeline_by_shape()
        function, mapping = pipeline.properties("function"), pipeline.properties("event_source")
        if not function or not mapping:
            raise ValueError(
                f"{source} holds no ShipmentEventPipeline (no processor function and event source mapping)"
            )
        table, archive = pipeline.properties("events_table"), pipeline.properties("archive")
        queue, log_group = pipeline.properties("queue"), pipeline.properties("log_group")
        return cls(
            memory_mib=int(function.get("MemorySize", 128)),
            architecture=(function.get("Architectures") or ["x86_64"])[0],
            batch_size=int(mapping.get("BatchSize", 10)),
            max_batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
            tracing=function.get("TracingConfig", {}).get("Mode") == "Active",
            log_retention_days=int(log_group.get("RetentionInDays", NEVER_EXPIRE_DAYS)),
            ttl_days=_int(pipeline.environment().get(shape.ENV.ttl_days), defaults.EVENT_TTL_DAYS),
            point_in_time_recovery=bool(
                table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False)
            ),
            provisioned=_provisioned(stack, table),
            archive=bool(archive),
            archive_retention_days=int(archive.get("RetentionDays", 0)) if archive else 0,
            customer_managed_key="KmsMasterKeyId" in queue,
            kms_keys=stack.count("AWS::KMS::Key"),
            dashboards=stack.count(shape.PARTS["dashboard"].resource_type),
            alarms=stack.count(shape.ALARM_RESOURCE_TYPE),
            composite_alarms=stack.count(shape.COMPOSITE_ALARM_RESOURCE_TYPE),
            source=source,
        )


def _provisioned(stack: StackTemplate, table: Mapping[str, Any]) -> tuple[int, int, int, int, int] | None:
    """The events table's capacity bounds and scaling target, from its scalable targets and policy."""
    if table.get("BillingMode") == "PAY_PER_REQUEST" or not table.get("ProvisionedThroughput"):
        return None
    throughput = table["ProvisionedThroughput"]
    bounds = {
        "WriteCapacityUnits": (throughput["WriteCapacityUnits"],) * 2,
        "ReadCapacityUnits": (throughput["ReadCapacityUnits"],) * 2,
    }
    for target in stack.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        dimension = str(target.get("ScalableDimension", ""))
        if dimension.startswith("dynamodb:table:"):
            bounds[dimension.rsplit(":", 1)[-1]] = (target["MinCapacity"], target["MaxCapacity"])
    utilization = defaults.PROVISIONED_TARGET_UTILIZATION_PERCENT
    for policy in stack.of_type("AWS::ApplicationAutoScaling::ScalingPolicy"):
        configuration = policy.get("TargetTrackingScalingPolicyConfiguration", {})
        utilization = int(configuration.get("TargetValue", utilization))
    (min_write, max_write), (min_read, max_read) = bounds["WriteCapacityUnits"], bounds["ReadCapacityUnits"]
    return (int(min_write), int(max_write), int(min_read), int(max_read), utilization)


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


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
