"""One capacity plan: the model, the simulation, the limits, the cost and the advice for one load.

Example::

    from shipment_pipeline_constructs.capacity import Load, build_plan
    from shipment_pipeline_constructs.capacity.model import ConsumerSettings

    plan = build_plan(Load.peak(300_000, 10, 30), ConsumerSettings(max_concurrency=20))
    print(plan.result.peak_age.oldest_age_seconds, plan.first_limit.name)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..ops.cost import CostEstimate, PipelineConfig, estimate
from ..ops.cost import Workload as CostWorkload
from .advice import Advice, advise, meets_target
from .alarms import AlarmRule
from .limits import LimitCheck, check_limits, first_limit
from .load import Load
from .model import ConsumerSettings, PollerScaling, ProcessingModel, capacity_per_second, effective_batch_size
from .simulate import Scenario, SimulationResult, Workload, simulate

__all__ = ["Plan", "build_plan"]


@dataclass
class Plan:
    """Everything ``shipment-pipeline plan`` reports."""

    scenario: Scenario
    result: SimulationResult
    limits: list[LimitCheck]
    cost: CostEstimate | None
    target_age_seconds: float | None
    advice: list[Advice]

    @property
    def batch_records(self) -> int:
        """Records in a full batch (the batch size, capped by the 6 MB payload)."""
        return effective_batch_size(self.scenario.settings.batch_size, self.scenario.workload.event_bytes)

    @property
    def batch_seconds(self) -> float:
        """Duration of a full batch."""
        return self.scenario.processing.batch_seconds(self.batch_records)

    @property
    def capacity_per_second(self) -> float:
        """Events a second at full concurrency with full batches."""
        scenario = self.scenario
        return capacity_per_second(scenario.settings, scenario.processing, scenario.workload.event_bytes)

    @property
    def seconds_to_full_concurrency(self) -> float:
        """How long Lambda's pollers take from their initial number to the maximum concurrency."""
        poller = self.scenario.poller
        extra = max(0.0, min(self.scenario.settings.max_concurrency, poller.maximum) - poller.initial)
        return extra / poller.per_minute * 60

    @property
    def first_limit(self) -> LimitCheck | None:
        """The limit the load meets first."""
        return first_limit(self.limits)

    @property
    def meets_target(self) -> bool | None:
        """Whether the oldest message stays under ``--target-age-seconds`` (``None`` without a target)."""
        if self.target_age_seconds is None:
            return None
        return meets_target(self.result, self.target_age_seconds)


def build_plan(
    load: Load,
    settings: ConsumerSettings,
    *,
    processing: ProcessingModel | None = None,
    workload: Workload | None = None,
    poller: PollerScaling | None = None,
    alarm_rules: dict[str, AlarmRule] | None = None,
    cost_config: PipelineConfig | None = None,
    target_age_seconds: float | None = None,
    step_seconds: float = 1.0,
    advise_settings: bool = True,
) -> Plan:
    """Simulate ``load`` on ``settings``, check the limits, price it and, with a target, search the smallest settings.

    ``cost_config`` defaults to the construct's defaults with the batch
    settings of ``settings``; the cost model's per-invocation and
    per-message durations come from ``processing``, so both models agree.
    """
    processing = processing or ProcessingModel.for_memory(settings.memory_mib)
    workload = workload or Workload()
    poller = poller or PollerScaling()
    scenario = Scenario(
        load=load,
        settings=settings,
        processing=processing,
        workload=workload,
        poller=poller,
        alarm_rules=alarm_rules,
        step_seconds=step_seconds,
    )
    result = simulate(scenario)
    config = cost_config or PipelineConfig(
        batch_size=settings.batch_size,
        max_batching_window_seconds=int(settings.batching_window_seconds),
        memory_mib=settings.memory_mib,
        source=settings.source,
    )
    cost = estimate(
        CostWorkload(
            events_per_day=max(1, math.ceil(load.events_per_day)),
            event_bytes=workload.event_bytes,
            error_rate=workload.error_rate,
            duplicate_rate=workload.duplicate_rate,
            invocation_ms=processing.batch_overhead_ms + processing.dynamodb_round_trip_ms,
            per_message_ms=processing.per_record_ms,
        ),
        config,
    )
    advice = advise(scenario, target_age_seconds) if target_age_seconds is not None and advise_settings else []
    return Plan(
        scenario=scenario,
        result=result,
        limits=check_limits(result),
        cost=cost,
        target_age_seconds=target_age_seconds,
        advice=advice,
    )
