"""Size a pipeline for its load: named profiles for 30k, 300k and 3M events a day.

A :class:`ScalingProfile` turns scaling guidance into props::

    from shipment_pipeline_constructs import ScalingProfile, ShipmentEventPipeline

    profile = ScalingProfile.for_events_per_day(300_000)
    ShipmentEventPipeline(
        stack, "Pipeline",
        processor=profile.processor_options(memory_size_mib=1024),  # explicit props win
        storage=profile.storage_options(),
    )
    # or all at once:  ShipmentEventPipeline(stack, "Pipeline", **profile.pipeline_props())

The figures live in :mod:`.sizing` (plain data, also read by the cost
model). Where common advice and AWS guidance differ, the profiles follow AWS:

- Concurrency: the usual advice is to raise *reserved* concurrency (5,
  10-20, 50-100). The profiles set the event source mapping's *maximum*
  concurrency to those figures instead: reserved concurrency alone
  throttles the SQS poller, and throttled messages count towards
  ``max_receive_count`` and reach the DLQ (Lambda developer guide,
  "services-sqs-scaling").
- Provisioned capacity: every profile stays on demand, the large one
  included. 3M events a day is about 35 writes a second on average and a
  10x spike needs ~351 write units at once; a table provisioned for the
  average (50-1000 WCU, auto scaling at 70%) grows only about x1.43 every
  5 minutes, so a 30-minute spike is throttled long enough for the oldest
  message to pass its 900 s alarm (962 s). On demand takes the spike at
  once for about 10% more a month, less than a provisioned minimum that
  avoids the throttling (176 WCU). At ~3.5 writes a second (medium)
  provisioned capacity would save a few dollars a month against
  throttling on every spike.
- SQS FIFO: the pipeline does not need ordering (each event is keyed by
  shipment and timestamp and stored once), EventBridge -> FIFO needs a
  message group id, and FIFO's limit is 300 API calls a second per action
  without batching (3,000 messages with batching, more with high-throughput
  mode), not 300 messages. The profiles keep a standard queue.
- DAX caches reads; the pipeline only writes, so DAX would add cost and
  nothing else.
- Batching: larger batches with a batching window at the high end: fewer
  invocations and SQS requests for at most ``max_batching_window_seconds``
  of extra latency.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from . import defaults, sizing
from .observe.thresholds import AlarmThreshold, AlarmThresholds
from .options import ProcessorOptions, ProvisionedCapacity, StorageOptions
from .sizing import Sizing


@dataclass(frozen=True)
class ScalingProfile:
    """Settings sized for a load of up to ``events_per_day``.

    Attributes:
        name: Profile name (``small``, ``medium``, ``large``).
        events_per_day: The load it is sized for (sustained; spikes to 10x are absorbed by the queue).
        max_concurrency: Event source mapping maximum concurrency.
        batch_size: Messages per invocation.
        max_batching_window_seconds: Seconds the poller may wait to fill a batch.
        provisioned: Provisioned capacity with auto scaling, or ``None`` for on-demand.
        backlog_alarm_messages: Queue backlog that alarms: 30 minutes of this load
            (the default alarm's rule: 630 at 21 events a minute, the 30,000-a-day design load).
        quarantined_alarm_events: Quarantined events in 5 minutes that alarm:
            about 5% of this load (the default alarm's rule).

    Alarms that count failures (DLQ messages, function errors, throttles)
    fire at 1 at every load, and the oldest-message age does not depend on
    the load: the profiles leave them at their defaults.
    """

    name: str
    events_per_day: int
    max_concurrency: int
    batch_size: int
    max_batching_window_seconds: int
    provisioned: ProvisionedCapacity | None
    backlog_alarm_messages: int
    quarantined_alarm_events: int

    SMALL: ClassVar[ScalingProfile]
    MEDIUM: ClassVar[ScalingProfile]
    LARGE: ClassVar[ScalingProfile]

    @classmethod
    def named(cls, name: str) -> ScalingProfile:
        """A profile by name or load: ``small``/``30k``, ``medium``/``300k``, ``large``/``3m``."""
        return cls._of(sizing.named(name))

    @classmethod
    def all(cls) -> tuple[ScalingProfile, ...]:
        """Every named profile, smallest first."""
        return (cls.SMALL, cls.MEDIUM, cls.LARGE)

    @classmethod
    def for_events_per_day(cls, events_per_day: int) -> ScalingProfile:
        """The smallest profile sized for at least ``events_per_day``.

        Beyond 3M a day this is still :attr:`LARGE`: treat it as a floor and
        size concurrency and capacity from measurements.
        """
        return cls._of(sizing.for_events_per_day(events_per_day))

    @classmethod
    def _of(cls, figures: Sizing) -> ScalingProfile:
        return next(profile for profile in cls.all() if profile.name == figures.name)

    @classmethod
    def from_sizing(cls, figures: Sizing) -> ScalingProfile:
        """The profile with these figures (:mod:`.sizing` holds them without aws-cdk-lib)."""
        capacity = figures.provisioned
        return cls(
            name=figures.name,
            events_per_day=figures.events_per_day,
            max_concurrency=figures.max_concurrency,
            batch_size=figures.batch_size,
            max_batching_window_seconds=figures.max_batching_window_seconds,
            provisioned=None if capacity is None else ProvisionedCapacity(**capacity._asdict()),
            backlog_alarm_messages=figures.backlog_alarm_messages,
            quarantined_alarm_events=figures.quarantined_alarm_events,
        )

    def processor_options(self, base: ProcessorOptions | None = None, **overrides: Any) -> ProcessorOptions:
        """``ProcessorOptions`` with this profile's polling settings; ``base`` and ``overrides`` win.

        Fields the profile does not set (memory, timeout...) come from
        ``base`` or the defaults. A field of ``base`` counts as explicit when
        it differs from the default; to force a default value over the
        profile, pass it in ``overrides`` (field names of :class:`ProcessorOptions`).
        """
        sized = dataclasses.replace(
            base or ProcessorOptions(),
            max_concurrency=self.max_concurrency,
            batch_size=self.batch_size,
            max_batching_window_seconds=self.max_batching_window_seconds,
        )
        if base is not None:
            # What the caller set explicitly in base beats the profile.
            explicit = {
                f.name: getattr(base, f.name) for f in dataclasses.fields(base) if getattr(base, f.name) != f.default
            }
            sized = dataclasses.replace(sized, **explicit)
        return dataclasses.replace(sized, **overrides)

    def storage_options(self, base: StorageOptions | None = None, **overrides: Any) -> StorageOptions:
        """``StorageOptions`` with this profile's billing mode; ``base`` and ``overrides`` win."""
        sized = dataclasses.replace(base or StorageOptions(), provisioned=self.provisioned)
        if base is not None and base.provisioned is not None:
            sized = dataclasses.replace(sized, provisioned=base.provisioned)
        return dataclasses.replace(sized, **overrides)

    def alarm_thresholds(self, base: AlarmThresholds | None = None, **overrides: Any) -> AlarmThresholds:
        """``AlarmThresholds`` with the backlog and quarantine alarms scaled to this load; ``base`` and ``overrides`` win."""
        default = AlarmThresholds()
        sized = dataclasses.replace(
            default,
            queue_backlog_messages=AlarmThreshold(
                self.backlog_alarm_messages, evaluation_periods=defaults.QUEUE_BACKLOG_EVALUATION_PERIODS
            ),
            quarantined_events=AlarmThreshold(self.quarantined_alarm_events),
        )
        if base is not None:
            explicit = {
                f.name: getattr(base, f.name)
                for f in dataclasses.fields(base)
                if getattr(base, f.name) != getattr(default, f.name)
            }
            sized = dataclasses.replace(sized, **explicit)
        return dataclasses.replace(sized, **overrides)

    def pipeline_props(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for :class:`ShipmentEventPipeline`: ``processor``, ``storage`` and ``alarms`` sized by this profile.

        ``overrides`` may hold ``processor`` / ``storage`` / ``alarms`` (used
        as the base: their explicit fields win) and any other pipeline prop.
        """
        processor = overrides.pop("processor", None)
        storage = overrides.pop("storage", None)
        alarms = overrides.pop("alarms", None)
        return {
            "processor": self.processor_options(processor),
            "storage": self.storage_options(storage),
            "alarms": self.alarm_thresholds(alarms),
            **overrides,
        }

    def describe(self) -> dict[str, Any]:
        """The profile as a flat dict (for tables and ``--json``)."""
        capacity = self.provisioned
        return {
            "name": self.name,
            "events_per_day": self.events_per_day,
            "max_concurrency": self.max_concurrency,
            "batch_size": self.batch_size,
            "max_batching_window_seconds": self.max_batching_window_seconds,
            "billing": (
                "on-demand"
                if capacity is None
                else f"provisioned: {capacity.min_write_units}-{capacity.max_write_units} WCU, "
                f"{capacity.min_read_units}-{capacity.max_read_units} RCU, {capacity.target_utilization_percent}% target"
            ),
            "backlog_alarm_messages": self.backlog_alarm_messages,
            "quarantined_alarm_events": self.quarantined_alarm_events,
        }


ScalingProfile.SMALL = ScalingProfile.from_sizing(sizing.SMALL)
ScalingProfile.MEDIUM = ScalingProfile.from_sizing(sizing.MEDIUM)
ScalingProfile.LARGE = ScalingProfile.from_sizing(sizing.LARGE)
