"""The plan as text (a readable table with ASCII sparklines), as JSON, and as a PNG when matplotlib is installed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..shape import ALARM_ID
from .alarms import SIMULATED_ALARMS
from .plan import Plan
from .simulate import Sample

__all__ = ["MissingPlotterError", "format_plan", "plan_to_dict", "sparkline", "write_png"]

_BARS = "▁▂▃▄▅▆▇█"
SPARKLINE_WIDTH = 60


class MissingPlotterError(RuntimeError):
    """matplotlib is not installed."""


def sparkline(values: Sequence[float], width: int = SPARKLINE_WIDTH, scale: float = 0.0) -> str:
    """``values`` squeezed into ``width`` characters (each the maximum of its share), scaled to the largest or ``scale``."""
    if not values:
        return ""
    buckets = min(width, len(values))
    size = len(values) / buckets
    maxima = [max(values[int(i * size) : max(int(i * size) + 1, int((i + 1) * size))]) for i in range(buckets)]
    top = max(*maxima, scale)
    if top <= 0:
        return _BARS[0] * buckets
    return "".join(_BARS[min(len(_BARS) - 1, int(value / top * (len(_BARS) - 1) + 0.5))] for value in maxima)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 10:
        return f"{seconds:.2g} s"
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.1f} h"


def _at(seconds: float | None) -> str:
    return "never" if seconds is None else f"t+{_duration(seconds)}"


def format_plan(plan: Plan) -> str:
    """The text report."""
    scenario, result = plan.scenario, plan.result
    settings, processing, poller = scenario.settings, scenario.processing, scenario.poller
    sources = dict(processing.sources)
    lines = [f"Capacity plan: {scenario.load.description}", f"settings from {settings.source}", ""]
    lines.append("Consumer capacity")
    rows = [
        ("max concurrency x batch", f"{settings.max_concurrency} x {plan.batch_records} records", ""),
        (
            "batch duration",
            f"{plan.batch_seconds * 1000:,.0f} ms",
            f"{processing.batch_overhead_ms:g} ms + {plan.batch_records} x {processing.per_record_ms:.2f} ms + "
            f"{math.ceil(plan.batch_records / processing.concurrent_writes)} x {processing.dynamodb_round_trip_ms:g} ms",
        ),
        ("  per record", f"{processing.per_record_ms:.2f} ms", sources.get("per_record_ms", "")),
        (
            "  DynamoDB round trip",
            f"{processing.dynamodb_round_trip_ms:g} ms",
            sources.get("dynamodb_round_trip_ms", ""),
        ),
        ("  per batch", f"{processing.batch_overhead_ms:g} ms", sources.get("batch_overhead_ms", "")),
        ("batching window", f"{settings.batching_window_seconds:g} s", "partial batches wait for it"),
        ("capacity", f"{plan.capacity_per_second:,.1f} events/s", f"peak arrivals {scenario.load.peak_rate:,.2f}/s"),
        (
            "poller scale-up",
            f"{poller.initial:g} batches, +{poller.per_minute:g}/min",
            f"{_duration(plan.seconds_to_full_concurrency)} to {settings.max_concurrency} (Lambda guide, SQS scaling)",
        ),
    ]
    lines += _table(rows)
    peak_backlog, peak_age = result.peak_backlog, result.peak_age
    lines += ["", f"Queue (simulated every {scenario.step_seconds:g} s)"]
    lines += _table(
        [
            (
                "peak backlog",
                f"{peak_backlog.visible:,} messages",
                _at(peak_backlog.seconds) if peak_backlog.visible else "",
            ),
            ("peak oldest message age", _duration(peak_age.oldest_age_seconds), _at(peak_age.seconds)),
            ("drain time after the peak", _duration(result.drain_seconds), f"empty {_at(result.drained_at_seconds)}"),
            ("most concurrent batches", f"{result.max_consumers:,}", ""),
            (
                "events",
                f"{result.arrived:,} in",
                f"{result.processed:,} processed, {result.remaining:,} left, {result.expired:,} expired, "
                f"{result.dead_lettered:,} to the DLQ",
            ),
        ]
    )
    samples = result.samples
    rules = scenario.alarm_rules or {}
    # Scaled to the alarm threshold when the curve stays below it, so a quiet queue draws a flat line.
    backlog_scale = rules[ALARM_ID.queue_backlog].threshold if ALARM_ID.queue_backlog in rules else 0.0
    age_scale = rules[ALARM_ID.oldest_message_age].threshold if ALARM_ID.oldest_message_age in rules else 0.0
    backlog_line = sparkline([s.visible for s in samples], scale=backlog_scale)
    age_line = sparkline([s.oldest_age_seconds for s in samples], scale=age_scale)
    lines.append(
        f"  backlog  {backlog_line}  max {peak_backlog.visible:,} (scale {max(peak_backlog.visible, backlog_scale):,.0f})"
    )
    lines.append(
        f"  age      {age_line}  max {_duration(peak_age.oldest_age_seconds)} (scale {_duration(max(peak_age.oldest_age_seconds, age_scale))})"
    )
    lines.append(f"           0{' ' * (SPARKLINE_WIDTH - 2)}{_duration(samples[-1].seconds):>s}")
    lines += ["", "Alarms (as configured)"]
    alarm_rows = []
    for name in SIMULATED_ALARMS:
        if name not in result.alarms:
            continue
        fired, cleared = result.alarm_times(name)
        state = "does not fire" if fired is None else f"fires {_at(fired)}, clears {_at(cleared)}"
        note = rules[name].describe() if name in rules else ""
        if name == ALARM_ID.dead_letter_messages and fired is not None:
            note += " (any failed event; stays until the DLQ is redriven)"
        alarm_rows.append((name, state, note))
    lines += _table(alarm_rows or [("(none)", "the template has no queue alarms", "")])
    lines += ["", "Limits (demand at the peak / limit)"]
    first = plan.first_limit
    limit_rows = []
    for check in plan.limits:
        use = f"{check.use:.0%}" if math.isfinite(check.use) and math.isfinite(check.limit) else "-"
        limit = _number(check.limit) if math.isfinite(check.limit) else "-"
        mark = " HIT" if check.hit else ""
        limit_rows.append((check.name, f"{_number(check.demand)} / {limit} {check.unit}", f"{use}{mark}"))
    lines += _table(limit_rows)
    if first is not None:
        verb = "first limit hit" if first.hit else "nearest limit"
        lines.append(f"{verb}: {first.name} at {first.use:.0%} ({first.source}); then {first.consequence}")
    if plan.cost is not None:
        cost = plan.cost
        lines += [
            "",
            f"Cost: ${cost.total_usd:,.2f}/month at list price, ${cost.after_free_tier_usd:,.2f} after the free tier "
            f"({cost.region} prices of {cost.prices_as_of}; `shipment-pipeline cost` itemizes it)",
        ]
    if plan.target_age_seconds is not None:
        verdict = "met" if plan.meets_target else "MISSED"
        lines += ["", f"Target: oldest message under {_duration(plan.target_age_seconds)}: {verdict}"]
        lines += [f"  {advice.describe()}" for advice in plan.advice]
    return "\n".join(lines)


def _number(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _table(rows: Sequence[tuple[str, str, str]]) -> list[str]:
    first = max(len(row[0]) for row in rows)
    second = max(len(row[1]) for row in rows)
    return [f"  {a:<{first}}  {b:<{second}}  {c}".rstrip() for a, b, c in rows]


def plan_to_dict(plan: Plan, *, max_points: int = 500) -> dict[str, Any]:
    """The plan for ``--json``: figures, assumptions with sources, alarms, limits, cost, advice and a time series."""
    scenario, result = plan.scenario, plan.result
    processing = scenario.processing
    first = plan.first_limit
    every = max(1, math.ceil(len(result.samples) / max_points))
    return {
        "load": {
            "description": scenario.load.description,
            "events_per_day": scenario.load.events_per_day,
            "peak_events_per_second": scenario.load.peak_rate,
        },
        "settings": _plain(scenario.settings),
        "model": {
            "per_record_ms": processing.per_record_ms,
            "dynamodb_round_trip_ms": processing.dynamodb_round_trip_ms,
            "batch_overhead_ms": processing.batch_overhead_ms,
            "concurrent_writes": processing.concurrent_writes,
            "sources": dict(processing.sources),
            "poller": _plain(scenario.poller),
            "batch_records": plan.batch_records,
            "batch_seconds": plan.batch_seconds,
            "seconds_to_full_concurrency": plan.seconds_to_full_concurrency,
        },
        "capacity_events_per_second": plan.capacity_per_second,
        "step_seconds": scenario.step_seconds,
        "peak_backlog": {"messages": result.peak_backlog.visible, "at_seconds": result.peak_backlog.seconds},
        "peak_queued": {"messages": result.peak_queued.queued, "at_seconds": result.peak_queued.seconds},
        "peak_age": {"seconds": result.peak_age.oldest_age_seconds, "at_seconds": result.peak_age.seconds},
        "drain_seconds": result.drain_seconds,
        "drained_at_seconds": result.drained_at_seconds,
        "max_concurrent_batches": result.max_consumers,
        "events": {
            "arrived": result.arrived,
            "processed": result.processed,
            "remaining": result.remaining,
            "expired": result.expired,
            "dead_lettered": result.dead_lettered,
        },
        "alarms": {
            name: dict(zip(("fired_at_seconds", "cleared_at_seconds"), result.alarm_times(name), strict=True))
            for name in result.alarms
        },
        "limits": [check.to_dict() for check in plan.limits],
        "first_limit": None if first is None else {**first.to_dict(), "hit": first.hit},
        "cost": None
        if plan.cost is None
        else {
            "total_usd": round(plan.cost.total_usd, 2),
            "after_free_tier_usd": round(plan.cost.after_free_tier_usd, 2),
            "by_service_usd": {k: round(v, 2) for k, v in plan.cost.by_service().items()},
        },
        "target_age_seconds": plan.target_age_seconds,
        "meets_target": plan.meets_target,
        "advice": [advice.to_dict() for advice in plan.advice],
        "series": [_point(sample) for sample in result.samples[::every]],
    }


def _point(sample: Sample) -> dict[str, Any]:
    return {
        "seconds": sample.seconds,
        "visible": sample.visible,
        "queued": sample.queued,
        "oldest_age_seconds": sample.oldest_age_seconds,
        "concurrent_batches": sample.consumers,
    }


def _plain(value: Any) -> dict[str, Any]:
    import dataclasses

    return dataclasses.asdict(value)


def write_png(plan: Plan, path: Path) -> Path:
    """Backlog and oldest-message age over time as a PNG (needs matplotlib: the package's ``plot`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise MissingPlotterError(
            "--plot needs matplotlib: pip install 'shipment-pipeline-constructs[plot]'; the text report has the same "
            "curves as sparklines"
        ) from error
    samples = plan.result.samples
    minutes = [sample.seconds / 60 for sample in samples]
    figure, (backlog, age) = plt.subplots(2, 1, sharex=True, figsize=(9, 5))
    backlog.plot(minutes, [sample.visible for sample in samples])
    backlog.set_ylabel("visible messages")
    age.plot(minutes, [sample.oldest_age_seconds for sample in samples], color="tab:red")
    age.set_ylabel("oldest message age (s)")
    age.set_xlabel("minutes")
    rules = plan.scenario.alarm_rules or {}
    for axis, name in ((backlog, ALARM_ID.queue_backlog), (age, ALARM_ID.oldest_message_age)):
        if name in rules:
            axis.axhline(rules[name].threshold, color="grey", linestyle="--", label=f"{name} threshold")
            axis.legend(loc="upper right")
    figure.suptitle(plan.scenario.load.description)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
