"""The AWS limits a load meets, each compared with its documented figure: which one is hit first.

Each check is a small pure function of the scenario and its simulation,
returning a :class:`LimitCheck` (what the load asks, what the limit gives,
the source). ``use`` is demand over limit: at or above 1 the limit is hit;
the highest ``use`` is the limit the load meets first as it grows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .figures import FIGURES, Figure
from .model import capacity_per_second, effective_batch_size
from .simulate import SimulationResult

__all__ = ["CHECKS", "LimitCheck", "check_limits", "first_limit"]


@dataclass(frozen=True)
class LimitCheck:
    """One limit against the load.

    Attributes:
        name: What is limited.
        demand: What the load asks for, in ``unit``.
        limit: What the limit allows, in ``unit``.
        unit: Unit of both.
        source: Where the figure is documented (or how the pipeline's own limit is computed).
        consequence: What happens when it is hit.
    """

    name: str
    demand: float
    limit: float
    unit: str
    source: str
    consequence: str

    @property
    def use(self) -> float:
        """Demand over limit (1.0 = at the limit)."""
        if self.limit <= 0:
            return math.inf if self.demand > 0 else 0.0
        return self.demand / self.limit

    @property
    def hit(self) -> bool:
        """The load reaches the limit."""
        return self.use >= 1.0

    def to_dict(self) -> dict:
        """For ``--json``."""
        return {
            "name": self.name,
            "demand": round(self.demand, 3),
            "limit": round(self.limit, 3) if math.isfinite(self.limit) else None,
            "unit": self.unit,
            "use": round(self.use, 4) if math.isfinite(self.use) else None,
            "hit": self.hit,
            "source": self.source,
            "consequence": self.consequence,
        }


def _figure(demand: float, figure: Figure, consequence: str, *, label: str) -> LimitCheck:
    return LimitCheck(label, demand, figure.value, figure.unit, figure.source, consequence)


def consumer_capacity(result: SimulationResult) -> LimitCheck:
    """The mapping's own ceiling: max concurrency x batch / batch duration."""
    scenario = result.scenario
    batch = effective_batch_size(scenario.settings.batch_size, scenario.workload.event_bytes)
    duration = scenario.processing.batch_seconds(batch)
    capacity = capacity_per_second(scenario.settings, scenario.processing, scenario.workload.event_bytes)
    return LimitCheck(
        "consumer capacity (max concurrency x batch / batch duration)",
        scenario.load.peak_rate,
        capacity,
        "events/s",
        f"{scenario.settings.max_concurrency} x {batch} / {duration * 1000:.0f} ms (the model above)",
        "the queue grows for as long as the peak lasts",
    )


def put_events(result: SimulationResult) -> LimitCheck:
    """PutEvents requests a second from the producers."""
    workload = result.scenario.workload
    demand = result.scenario.load.peak_rate / workload.entries_per_put
    return _figure(
        demand,
        FIGURES["eventbridge_put_events_tps"],
        "producers get ThrottlingException and must retry (events are not accepted)",
        label="EventBridge PutEvents (account, Region)",
    )


def target_invocations(result: SimulationResult) -> LimitCheck:
    """Rule-to-queue deliveries a second (one per event: EventBridge does not batch to SQS)."""
    return _figure(
        result.scenario.load.peak_rate,
        FIGURES["eventbridge_invocations_tps"],
        "deliveries to the queue are delayed and retried (within the target's 24 h retry policy)",
        label="EventBridge target invocations (account, Region)",
    )


def account_concurrency(result: SimulationResult) -> LimitCheck:
    """The Lambda concurrency the mapping uses at most, plus what the rest of the account uses."""
    workload = result.scenario.workload
    figure = FIGURES["lambda_account_concurrency"]
    return LimitCheck(
        "Lambda account concurrency (Region)",
        min(result.scenario.settings.max_concurrency, result.scenario.poller.maximum) + workload.other_concurrency,
        workload.account_concurrency,
        figure.unit,
        figure.source + ("" if workload.account_concurrency == figure.value else " (given)"),
        "invocations are throttled; throttled SQS messages count receives and can reach the DLQ",
    )


def table_throughput(result: SimulationResult) -> LimitCheck:
    """The most write units a second the consumers attempted (at least the peak's), against the table's ceiling."""
    scenario = result.scenario
    units = scenario.workload.write_units_per_event
    # What the consumers tried to write in their busiest step: the writes accepted plus the throttled ones.
    step = scenario.step_seconds
    attempted = max(((s.processed * units + s.throttled) / step for s in result.samples), default=0.0)
    demand = max(attempted, scenario.load.peak_rate * units)
    provisioned = scenario.settings.provisioned
    if provisioned is not None:
        _, maximum, target = provisioned
        return LimitCheck(
            "DynamoDB provisioned writes (auto scaling maximum)",
            demand,
            float(maximum),
            "write units/s",
            f"the table's auto scaling maximum, at {target}% target",
            "writes are throttled, batches slow down and retry; the TableThrottles alarm fires",
        )
    new_table = FIGURES["dynamodb_new_on_demand_write_units"]
    quota = FIGURES["dynamodb_table_write_units"]
    ceiling = min(quota.value, max(new_table.value, 2 * scenario.load.baseline_rate * units))
    return LimitCheck(
        "DynamoDB on-demand writes (table)",
        demand,
        ceiling,
        "write units/s",
        f"{new_table.source}; at most {quota.describe()}",
        "writes are throttled until DynamoDB adapts; the TableThrottles alarm fires",
    )


def provisioned_at_peak_start(result: SimulationResult) -> LimitCheck | None:
    """The peak's writes against the capacity auto scaling had settled on before it (``None`` on demand)."""
    scenario = result.scenario
    provisioned = scenario.settings.provisioned
    if provisioned is None:
        return None
    units = scenario.workload.write_units_per_event
    at_start = next(
        (s.write_capacity for s in result.samples if s.seconds > scenario.load.peak_start_seconds), None
    ) or float(provisioned[0])
    return LimitCheck(
        "DynamoDB provisioned writes when the peak starts",
        scenario.load.peak_rate * units,
        at_start,
        "write units/s",
        f"auto scaling reacts after {FIGURES['autoscaling_breach_minutes'].describe()}, then "
        f"{FIGURES['autoscaling_update_seconds'].describe()}, each time to at most the consumed capacity / "
        f"{provisioned[2] / 100:g}; {FIGURES['dynamodb_burst_seconds'].describe()}",
        "writes are throttled for as long as auto scaling takes to catch up; the backlog grows meanwhile",
    )


def hot_partition(result: SimulationResult) -> LimitCheck:
    """One shipment id's writes go to one partition."""
    workload = result.scenario.workload
    demand = result.scenario.load.peak_rate * workload.hot_key_share * workload.write_units_per_event
    return _figure(
        demand,
        FIGURES["dynamodb_partition_write_units"],
        "writes to that shipment id are throttled (the partition key is shipment_id)",
        label=f"DynamoDB partition, hot shipment id ({workload.hot_key_share:.1%} of events)",
    )


def in_flight(result: SimulationResult) -> LimitCheck:
    """Messages received and not yet deleted: at most max concurrency x batch."""
    settings = result.scenario.settings
    batch = effective_batch_size(settings.batch_size, result.scenario.workload.event_bytes)
    return _figure(
        settings.max_concurrency * batch,
        FIGURES["sqs_in_flight_messages"],
        "ReceiveMessage returns OverLimit and the pollers stall",
        label="SQS in-flight messages (queue)",
    )


def batch_payload(result: SimulationResult) -> LimitCheck:
    """A full batch's payload against Lambda's 6 MB."""
    settings, workload = result.scenario.settings, result.scenario.workload
    return _figure(
        settings.batch_size * workload.event_bytes,
        FIGURES["lambda_payload_bytes"],
        f"batches stop at {effective_batch_size(settings.batch_size, workload.event_bytes):,} records",
        label="Lambda invocation payload (batch)",
    )


def function_timeout(result: SimulationResult) -> LimitCheck:
    """A full batch's duration against the function timeout."""
    scenario = result.scenario
    batch = effective_batch_size(scenario.settings.batch_size, scenario.workload.event_bytes)
    duration = scenario.processing.batch_seconds(batch) + scenario.settings.batching_window_seconds
    return LimitCheck(
        "function timeout (full batch)",
        duration,
        scenario.settings.timeout_seconds,
        "seconds",
        "the function's Timeout",
        "the invocation times out, the whole batch is retried and can reach the DLQ",
    )


def retention(result: SimulationResult) -> LimitCheck:
    """The oldest message's age against the queue's retention."""
    return LimitCheck(
        "SQS message retention (source queue)",
        result.peak_age.oldest_age_seconds,
        result.scenario.settings.retention_seconds,
        "seconds",
        "the queue's MessageRetentionPeriod",
        "messages are deleted unprocessed: the events are lost (replay them from the archive)",
    )


def dead_letter_retention(result: SimulationResult) -> LimitCheck:
    """Failed events a day against what the DLQ keeps: shown as the days a failed event waits there at most."""
    scenario = result.scenario
    per_day = scenario.load.events_per_day * scenario.workload.error_rate
    keep_days = scenario.settings.dead_letter_retention_seconds / 86_400
    return LimitCheck(
        f"DLQ growth ({per_day:,.0f} failed events/day at error rate {scenario.workload.error_rate:g})",
        per_day * keep_days,
        math.inf,
        "messages held",
        f"the DLQ keeps each message {keep_days:g} days (MessageRetentionPeriod)",
        f"unredriven failures expire after {keep_days:g} days; the DeadLetterMessages alarm fires on the first",
    )


#: Every check, in the order they are printed.
CHECKS: tuple[Callable[[SimulationResult], LimitCheck | None], ...] = (
    consumer_capacity,
    put_events,
    target_invocations,
    account_concurrency,
    table_throughput,
    provisioned_at_peak_start,
    hot_partition,
    in_flight,
    batch_payload,
    function_timeout,
    retention,
    dead_letter_retention,
)


def check_limits(result: SimulationResult) -> list[LimitCheck]:
    """Every limit that applies, against the simulated load."""
    return [found for check in CHECKS if (found := check(result)) is not None]


def first_limit(checks: list[LimitCheck]) -> LimitCheck | None:
    """The limit the load meets first: the highest demand-to-limit ratio (``None`` for no finite limits)."""
    finite = [check for check in checks if math.isfinite(check.limit)]
    return max(finite, key=lambda check: check.use, default=None)
