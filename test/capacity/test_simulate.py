"""The queue simulation: conservation, no backlog under capacity, closed-form cases, alarms, expiry, the table."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipment_pipeline_constructs.capacity import ConsumerSettings, Load, ProcessingModel, Scenario, simulate
from shipment_pipeline_constructs.capacity.alarms import AlarmRule, AlarmTracker
from shipment_pipeline_constructs.capacity.load import Segment
from shipment_pipeline_constructs.capacity.simulate import Workload

#: A batch of any size takes exactly 1 s: easy closed forms.
ONE_SECOND = ProcessingModel(per_record_ms=0, dynamodb_round_trip_ms=0, batch_overhead_ms=1000)
NO_ERRORS = Workload(error_rate=0, duplicate_rate=0)


def burst(events: int, seconds: float = 1.0) -> Load:
    """``events`` arriving evenly over ``seconds``, then nothing."""
    return Load((Segment(seconds, events / seconds),), 0.0, events, 0.0, seconds, f"{events} events")


def scenario(load: Load, **settings: Any) -> Scenario:
    return Scenario(load, ConsumerSettings(**settings), ONE_SECOND, NO_ERRORS, step_seconds=0.1)


@given(
    events_per_day=st.integers(1_000, 50_000_000),
    multiplier=st.floats(1, 20),
    minutes=st.integers(0, 60),
    concurrency=st.integers(2, 200),
    batch=st.integers(1, 10),
    retention_minutes=st.integers(1, 600),
)
def test_every_event_is_processed_expired_or_still_queued(
    events_per_day: int, multiplier: float, minutes: int, concurrency: int, batch: int, retention_minutes: int
) -> None:
    # GIVEN any load, consumer and retention (a short retention makes messages expire)
    settings = ConsumerSettings(max_concurrency=concurrency, batch_size=batch, retention_seconds=retention_minutes * 60)
    run = Scenario(
        Load.peak(events_per_day, multiplier, minutes),
        settings,
        ProcessingModel.for_memory(512),
        horizon_after_seconds=1800,
    )
    # WHEN it is simulated
    result = simulate(run)
    # THEN events in = processed + remaining + expired, exactly
    assert result.arrived == result.processed + result.remaining + result.expired
    assert result.arrived == sum(sample.arrived for sample in result.samples)
    assert result.processed == sum(sample.processed for sample in result.samples)


@pytest.mark.parametrize("events_per_day", [30_000, 300_000, 3_000_000])
def test_a_load_under_capacity_never_builds_a_backlog(events_per_day: int) -> None:
    # GIVEN a steady load well under the consumer's capacity (defaults: 5 x 10 records per ~61 ms)
    run = Scenario(Load.peak(events_per_day), ConsumerSettings(), ProcessingModel.for_memory(512), NO_ERRORS)
    # WHEN simulated
    result = simulate(run)
    # THEN nothing ever waits beyond the batches in progress, and no alarm fires
    assert result.peak_backlog.visible == 0
    assert result.peak_age.oldest_age_seconds < 1
    assert all(not transitions for transitions in result.alarms.values())


def test_a_burst_drains_in_the_closed_form_time() -> None:
    # GIVEN 1,000 events at once, 2 consumers taking 10 records a second each (20 events/s)
    result = simulate(scenario(burst(1_000, 0.1), max_concurrency=2, batch_size=10))
    # THEN the queue is empty after 1000 / 20 = 50 s, and the last message waited that long
    assert result.drained_at_seconds == pytest.approx(50, abs=0.2)
    assert result.peak_age.oldest_age_seconds == pytest.approx(50, abs=0.2)
    # AND the peak backlog is the burst minus the 20 messages the first batches hold
    assert result.peak_backlog.visible == 980


def test_an_overload_grows_at_arrival_rate_minus_capacity() -> None:
    # GIVEN 30 events/s for 100 s on 20 events/s of capacity
    load = Load((Segment(100, 30),), 0.0, 3_000, 0.0, 100, "overload")
    result = simulate(scenario(load, max_concurrency=2, batch_size=10))
    # THEN the queue holds (30 - 20) x 100 = 1,000 at the end of the overload, within one round of batches
    # (the first batches start nearly empty; a round finishing exactly at 100 s counts after it)
    at_end = next(sample for sample in result.samples if sample.seconds >= 100 - 1e-9)
    assert at_end.queued == pytest.approx(1_000, abs=40)
    # AND it drains at 20/s: 50 s later
    assert result.drain_seconds == pytest.approx(50, abs=1.5)


def test_poller_scale_up_limits_how_fast_concurrency_grows() -> None:
    # GIVEN a burst large enough to need 100 consumers, and Lambda's 5 initial batches + 300 a minute
    result = simulate(scenario(burst(20_000, 0.1), max_concurrency=100, batch_size=10))
    # THEN concurrency grows by about 5 a second from 5, reaching 100 after ~19 s
    by_second = {round(sample.seconds, 1): sample.consumers for sample in result.samples}
    assert by_second[1.0] <= 10
    assert 45 <= by_second[10.0] <= 60
    assert result.max_consumers == 100


def test_messages_older_than_the_retention_expire() -> None:
    # GIVEN 100 s of retention and a burst that takes 500 s to drain
    result = simulate(scenario(burst(10_000, 0.1), max_concurrency=2, batch_size=10, retention_seconds=100))
    # THEN most of the burst expires and the oldest message never gets older than the retention
    assert result.expired > 7_000
    assert result.peak_age.oldest_age_seconds <= 100 + 1.5
    assert result.arrived == result.processed + result.expired + result.remaining


def test_backlog_and_age_alarms_fire_and_clear_by_cloudwatchs_rule() -> None:
    # GIVEN 60 events/s for 10 minutes on 20 events/s of capacity (24,000 waiting at 600 s), the default alarms
    load = Load((Segment(600, 60),), 0.0, 36_000, 0.0, 600, "overload")
    result = simulate(scenario(load, max_concurrency=2, batch_size=10))
    drained = result.drained_at_seconds
    assert drained is not None and drained == pytest.approx(1_800, abs=5)
    # THEN QueueBacklog (>= 630 in 3 of 3 periods of 5 min) fires at the end of the third breaching period
    fired, cleared = result.alarm_times("QueueBacklog")
    assert fired == 900
    # AND clears at the end of the first period without backlog (then fewer than 3 of 3 breach)
    assert cleared == math.ceil(drained / 300) * 300
    # AND OldestMessageAge (>= 900 s in one 5-minute period) fires at the end of the period in which the age
    # crosses 900 s (oldest first at 20/s: age = 2t/3, so at t = 1,350 s) and clears once the queue is empty
    crossing = next(s.seconds for s in result.samples if s.oldest_age_seconds >= 900)
    assert crossing == pytest.approx(1_350, abs=5)
    age_fired, age_cleared = result.alarm_times("OldestMessageAge")
    assert age_fired == 1_500
    # (the period holding the last batch still sees its age; the next one is clear)
    assert age_cleared is not None and drained < age_cleared <= drained + 600


def test_an_alarm_with_m_of_n_needs_m_breaching_periods() -> None:
    tracker = AlarmTracker("TableThrottles", AlarmRule(1, 60, evaluation_periods=3, datapoints_to_alarm=2), "sum")
    for minute, value in enumerate([1, 0, 0, 1, 1, 0, 0, 0], start=1):
        tracker.observe(minute * 60.0, value)
    assert tracker.transitions == [(300.0, "ALARM"), (420.0, "OK")]


def test_a_provisioned_table_throttles_until_auto_scaling_catches_up() -> None:
    # GIVEN provisioned writes of 10-1,000 WCU at 70% and a 200 events/s burst a fast consumer could drain at once
    load = Load((Segment(600, 200),), 0.0, 120_000, 0.0, 600, "burst")
    run = Scenario(
        load,
        ConsumerSettings(max_concurrency=50, batch_size=10, provisioned=(10, 1_000, 70)),
        ProcessingModel.for_memory(1769),
        NO_ERRORS,
    )
    result = simulate(run)
    steps = [result.samples[0].write_capacity]
    for sample in result.samples:
        if sample.write_capacity != steps[-1]:
            steps.append(sample.write_capacity)
    # THEN writes are throttled and the backlog builds while capacity follows
    assert result.throttled_writes > 0
    assert result.peak_backlog.visible > 10_000
    # AND capacity starts at the minimum and rises in steps of at most 1/0.7 (consumed capacity over the target)
    assert steps[0] == 10 and len(steps) >= 5
    assert all(
        earlier is not None and later is not None and later <= math.ceil(earlier / 0.7) + 1
        for earlier, later in pairwise(steps)
    )
    assert result.alarm_times("TableThrottles")[0] is not None


def test_the_on_demand_ceiling_of_a_new_table_is_4000_write_units() -> None:
    # GIVEN 8,000 events/s for a minute on a consumer that could take far more
    load = Load((Segment(60, 8_000),), 0.0, 480_000, 0.0, 60, "spike")
    run = Scenario(load, ConsumerSettings(max_concurrency=1_000), ProcessingModel.for_memory(1769), NO_ERRORS)
    result = simulate(run)
    # THEN the table takes at most 4,000 writes a second (batches started in one step may end in the next)
    processed_by_60s = sum(sample.processed for sample in result.samples if sample.seconds <= 60)
    assert processed_by_60s <= 4_000 * 60
    assert processed_by_60s >= 0.95 * 4_000 * 60
    assert result.throttled_writes > 0
