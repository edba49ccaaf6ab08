"""Limits (each against its documented figure) and advice (the binary search's result is minimal)."""

from __future__ import annotations

import dataclasses

import pytest

from shipment_pipeline_constructs.capacity import ConsumerSettings, Load, ProcessingModel, Scenario, simulate
from shipment_pipeline_constructs.capacity.advice import advise, meets_target, smallest
from shipment_pipeline_constructs.capacity.figures import FIGURES
from shipment_pipeline_constructs.capacity.limits import check_limits, first_limit
from shipment_pipeline_constructs.capacity.simulate import Workload


def limits_for(load: Load, settings: ConsumerSettings, workload: Workload | None = None) -> dict:
    model = ProcessingModel.for_memory(settings.memory_mib)
    result = simulate(Scenario(load, settings, model, workload or Workload()))
    return {check.name.split(" (")[0]: check for check in check_limits(result)}


def test_every_limit_names_its_figure_and_source() -> None:
    checks = limits_for(Load.peak(30_000, 10, 30), ConsumerSettings())
    # THEN the documented quotas carry their figures
    assert checks["EventBridge PutEvents"].limit == 10_000
    assert checks["EventBridge target invocations"].limit == 18_750
    assert checks["Lambda account concurrency"].limit == 1_000
    assert checks["DynamoDB on-demand writes"].limit == 4_000
    assert checks["SQS in-flight messages"].limit == 120_000
    assert checks["SQS message retention"].limit == 4 * 86_400
    assert all(check.source for check in checks.values())
    # AND nothing is hit at the seed's load
    assert not any(check.hit for check in checks.values())


def test_a_hot_shipment_id_hits_the_partition_limit_first() -> None:
    # GIVEN 2M events/day at a 10x peak (231/s) with half of them on one shipment id
    checks = limits_for(Load.peak(2_000_000, 10, 30), ConsumerSettings(max_concurrency=50), Workload(hot_key_share=0.5))
    partition = checks["DynamoDB partition, hot shipment id"]
    # THEN that partition is asked 231 x 0.5 x 1.01 write units a second, against 1,000: not yet
    assert partition.demand == pytest.approx(2_000_000 * 10 / 86_400 * 0.5 * 1.01)
    assert not partition.hit
    # AND at 20M a day it is, and it is the first limit hit
    result = simulate(
        Scenario(
            Load.peak(20_000_000, 10, 30),
            ConsumerSettings(max_concurrency=1_000),
            ProcessingModel.for_memory(512),
            Workload(hot_key_share=0.5),
        )
    )
    checks_20m = check_limits(result)
    first = first_limit(checks_20m)
    assert first is not None and first.hit and first.name.startswith("DynamoDB partition")


def test_consumer_capacity_is_the_first_limit_of_an_undersized_mapping() -> None:
    # GIVEN 30M events/day on the default 5 x 10 consumer (~814 events/s) and a 10x peak (3,472/s)
    result = simulate(Scenario(Load.peak(30_000_000, 10, 30), ConsumerSettings(), ProcessingModel.for_memory(512)))
    first = first_limit(check_limits(result))
    # THEN the first limit is the mapping's own capacity, at about 4x
    assert first is not None and first.name.startswith("consumer capacity")
    assert first.use == pytest.approx(3_472 / 814, rel=0.02)


def test_max_concurrency_over_the_account_quota_is_reported() -> None:
    checks = limits_for(Load.peak(30_000), ConsumerSettings(max_concurrency=900), Workload(other_concurrency=200))
    concurrency = checks["Lambda account concurrency"]
    assert (concurrency.demand, concurrency.limit, concurrency.hit) == (1_100, 1_000, True)


def test_big_events_cap_the_batch_at_lambdas_6_mb_payload() -> None:
    checks = limits_for(Load.peak(30_000), ConsumerSettings(batch_size=10_000, batching_window_seconds=1))
    payload = checks["Lambda invocation payload"]
    assert payload.demand == 10_000 * 1024 and payload.limit == FIGURES["lambda_payload_bytes"].value
    assert payload.hit and "6,144 records" in payload.consequence


# -- advice ------------------------------------------------------------------------


def overloaded() -> Scenario:
    """300k events/day at a 10x peak for 30 minutes on a slow handler (1 s a batch)."""
    slow = ProcessingModel(per_record_ms=50, dynamodb_round_trip_ms=10, batch_overhead_ms=500)
    return Scenario(Load.peak(300_000, 10, 30), ConsumerSettings(max_concurrency=2), slow, Workload(error_rate=0))


@pytest.mark.parametrize("target", [30.0, 300.0])
def test_the_smallest_max_concurrency_is_minimal(target: float) -> None:
    scenario = overloaded()
    assert not meets_target(simulate(scenario), target)

    advice = {item.setting: item for item in advise(scenario, target)}
    found = advice["max_concurrency"].smallest
    assert found is not None and found > 2

    def run(value: int):
        return simulate(
            dataclasses.replace(scenario, settings=dataclasses.replace(scenario.settings, max_concurrency=value))
        )

    # THEN that value meets the target and one less does not
    assert meets_target(run(found), target)
    assert not meets_target(run(found - 1), target)


def test_a_target_no_value_can_meet_says_so() -> None:
    # GIVEN a search whose top value still fails
    result, run = smallest(1, 4, lambda value: simulate(overloaded()), target_age_seconds=1.0)
    assert (result, run) == (None, None)


def test_the_smallest_provisioned_minimum_is_minimal() -> None:
    scenario = Scenario(
        Load.peak(3_000_000, 10, 30),
        ConsumerSettings(max_concurrency=50, batch_size=100, batching_window_seconds=2, provisioned=(50, 1_000, 70)),
        ProcessingModel.for_memory(512),
    )
    advice = {item.setting: item for item in advise(scenario, 300)}
    found = advice["provisioned min write units"].smallest
    assert found is not None and found > 50

    def run(value: int):
        settings = dataclasses.replace(scenario.settings, provisioned=(value, 1_000, 70))
        return simulate(dataclasses.replace(scenario, settings=settings))

    assert meets_target(run(found), 300) and not meets_target(run(found - 1), 300)
