"""The cost model's arithmetic, checked against values computed by hand, and the ``cost`` command."""

from __future__ import annotations

import dataclasses
import json

import pytest

from shipment_pipeline_constructs.ops.cost import (
    PipelineConfig,
    Workload,
    estimate,
    load_prices,
    messages_per_invocation,
)

from .conftest import run_cli

GIB = 2**30


def line(result, service: str, item_start: str):
    (found,) = [entry for entry in result.lines if entry.service == service and entry.item.startswith(item_start)]
    return found


def test_30k_a_day_with_the_default_configuration() -> None:
    # GIVEN the design load of 30,000 events a day on the construct's defaults (arm64, 512 MB, batch 10, on-demand, PITR, 90-day TTL)
    result = estimate(Workload(30_000), PipelineConfig.from_options())
    # THEN each line is what the hand calculation gives (30-day month: 900,000 events)
    assert line(result, "EventBridge", "custom events").monthly_usd == pytest.approx(0.90)
    # SQS: 900k sends + 900k receives + 900k deletes + 648k empty polls (5 x 3/min x 43,200 min) + 900 quarantines
    assert sum(entry.quantity for entry in result.lines if entry.service == "SQS") == pytest.approx(3_348_900)
    assert result.by_service()["SQS"] == pytest.approx(1.33956)
    # Lambda: 900k requests; 900k x 45 ms x 0.5 GB = 20,250 GB-s at the arm64 price
    assert line(result, "Lambda", "duration").quantity == pytest.approx(20_250)
    assert result.by_service()["Lambda"] == pytest.approx(0.18 + 20_250 * 0.0000133334)
    # DynamoDB: 909k conditional puts (1% duplicates) at $0.625/M; 92 days of 1,124-byte items stored, PITR on them
    assert line(result, "DynamoDB", "event writes").monthly_usd == pytest.approx(0.568125)
    assert line(result, "DynamoDB", "storage").quantity == pytest.approx(
        (30_000 * 92 * 1124 + 30 * 92 * 2 * 1424) / GIB
    )
    # CloudWatch: $3 dashboard + 12 x $0.10 alarms + $0.50 composite alarm + 6 x $0.30 metrics + logs;
    # X-Ray: every invocation sampled at < 1/s
    assert result.by_service()["CloudWatch"] == pytest.approx(
        3 + 1.2 + 0.5 + 1.8 + (900_000 * 1200 + 900 * 2000) / GIB * 0.53
    )
    # The composite alarm is outside the free tier, which counts standard alarms only
    composite = line(result, "CloudWatch", "composite alarm")
    assert (composite.quantity, composite.monthly_usd, composite.free_tier_usd) == (1, 0.5, 0)
    assert line(result, "X-Ray", "traces").monthly_usd == pytest.approx(4.50)
    # KMS: the alarm topic's key
    assert result.by_service()["KMS"] == 1.0
    assert result.total_usd == pytest.approx(17.1878, abs=1e-4)
    assert result.free_tier_usd == pytest.approx(8.4081, abs=1e-4)
    assert result.after_free_tier_usd == pytest.approx(8.7797, abs=1e-4)


def test_batching_window_architecture_and_cmk_change_the_right_lines() -> None:
    base = PipelineConfig.from_options()
    windowed = dataclasses.replace(
        base, max_batching_window_seconds=20, architecture="x86_64", customer_managed_key=True, kms_keys=2
    )
    workload = Workload(300_000)
    # 3.47 events/s x 20 s = 69 messages, capped at the batch size of 10
    assert messages_per_invocation(workload, windowed) == 10
    result = estimate(workload, windowed)
    assert line(result, "Lambda", "requests").quantity == pytest.approx(900_000)
    assert line(result, "Lambda", "duration").unit_price == pytest.approx(0.0000166667)
    assert line(result, "Lambda", "duration").quantity == pytest.approx(900_000 * 0.090 * 0.5)
    assert line(result, "KMS", "KMS keys").monthly_usd == 2.0
    # 2 principals x one data key per 5 minutes: 17,280 requests
    assert line(result, "KMS", "SQS: EventBridge sends").quantity == 17_280


def test_a_given_key_replaces_the_topics_key_and_each_service_asks_it_once_per_five_minutes_of_work() -> None:
    # GIVEN encryption_key at the design load (30,000 events a day: 900 failures, 900,000 invocations a month)
    config = PipelineConfig.from_options(encryption_key=True)
    result = estimate(Workload(30_000), config)
    # THEN no key is created (the alarm topic uses the given one, whose $1 is its owner's) ...
    assert config.kms_keys == 0
    assert [entry.item for entry in result.lines if entry.unit == "keys"] == []
    # ... and every service busy in each of the month's 8,640 five-minute periods asks once per period
    periods = 30 * 86_400 / 300
    requests = {entry.item: entry.quantity for entry in result.lines if entry.service == "KMS"}
    assert requests == {
        "SQS: EventBridge sends, processor receives (5 min reuse)": 2 * periods,
        "SQS: quarantine sends": 900,  # fewer failures than periods: one request per failure at most
        "DynamoDB: table keys of both tables (5 min cache)": periods + 900,
        "EventBridge: the bus's data key (5 min)": periods,
        "EventBridge: the archive's data key (5 min)": periods,
        "CloudWatch Logs: the log group's data key (5 min)": periods,
    }
    total = sum(requests.values())
    assert result.by_service()["KMS"] == pytest.approx(total * 0.03 / 10_000)
    # the 20,000 free requests are shared across the lines
    assert sum(e.free_tier_usd for e in result.lines if e.service == "KMS") == pytest.approx(20_000 * 0.03 / 10_000)
    assert any("encryption_key" in assumption for assumption in result.assumptions)


def test_a_quiet_pipeline_asks_kms_no_more_often_than_it_has_events() -> None:
    # 100 events a day: 3,000 a month, fewer than the 8,640 five-minute periods; no archive
    config = dataclasses.replace(PipelineConfig.from_options(encryption_key=True), archive=False)
    requests = {e.item: e.quantity for e in estimate(Workload(100), config).lines if e.service == "KMS"}
    assert requests["SQS: EventBridge sends, processor receives (5 min reuse)"] == 6_000
    assert requests["EventBridge: the bus's data key (5 min)"] == 3_000
    assert "EventBridge: the archive's data key (5 min)" not in requests


def test_without_a_key_no_kms_requests_are_priced() -> None:
    result = estimate(Workload(30_000), PipelineConfig.from_options())
    assert [e.item for e in result.lines if e.service == "KMS"] == ["KMS keys the stack creates"]
    assert not any("encryption_key" in assumption for assumption in result.assumptions)


def test_provisioned_capacity_follows_the_average_write_rate() -> None:
    # 3M/day: 90.9M writes a month = 35.07/s; at a 70% target that is 51 WCU (between 50 and 1000)
    config = dataclasses.replace(PipelineConfig.from_options(), provisioned=(50, 1000, 5, 100, 70))
    result = estimate(Workload(3_000_000), config)
    writes = line(result, "DynamoDB", "provisioned writes")
    assert writes.quantity == 51 * 730
    assert writes.monthly_usd == pytest.approx(51 * 730 * 0.00065)
    assert writes.free_tier_usd == pytest.approx(25 * 730 * 0.00065)
    assert line(result, "DynamoDB", "provisioned reads").monthly_usd == pytest.approx(5 * 730 * 0.00013)


def test_prices_are_package_data_with_a_date_and_region() -> None:
    prices = load_prices()
    assert prices["region"] == "us-east-1" and prices["as_of"]
    assert prices["prices"]["lambda_gb_second_arm64"] < prices["prices"]["lambda_gb_second_x86_64"]


def test_cli_cost_text_and_json(capsys) -> None:
    code, out, _ = run_cli(capsys, "cost", "--events-per-day", "30000")
    assert code == 0
    assert out.startswith("Estimated monthly cost for 30,000 events/day (us-east-1 prices of")
    assert "Total at list price" in out and "Free tier" in out and "Total after free tier" in out
    code, out, _ = run_cli(capsys, "cost", "--events-per-day", "3000000", "--scaling", "3m", "--json")
    estimate_json = json.loads(out)
    assert code == 0
    assert estimate_json["config"]["provisioned"] is None  # the large profile's table is on demand
    assert estimate_json["config"]["batch_size"] == 100
    code, _, err = run_cli(capsys, "cost", "--events-per-day", "30000", "--scaling", "huge")
    assert code == 2 and "no scaling profile 'huge'" in err


def test_the_docs_cost_figures_are_what_the_model_computes() -> None:
    # The docs' cost page quotes estimates; recompute each so a price or model change cannot leave them stale.
    import re
    from pathlib import Path

    from shipment_pipeline_constructs import ScalingProfile

    doc = (Path(__file__).resolve().parents[2] / "docs" / "cost.md").read_text()
    rows = re.findall(
        r"^\| (\d+)(k|M)/day \| (defaults[^|]*|`--scaling (\w+)`) \| \$([\d,.]+) \| \$([\d,.]+) \|", doc, flags=re.M
    )
    assert len(rows) == 5
    for amount, unit, _, profile, total, after in rows:
        events_per_day = int(amount) * (1_000 if unit == "k" else 1_000_000)
        props = ScalingProfile.named(profile).pipeline_props() if profile else {}
        result = estimate(Workload(events_per_day), PipelineConfig.from_options(**props))
        assert (f"{result.total_usd:,.2f}", f"{result.after_free_tier_usd:,.2f}") == (total, after), (
            amount,
            unit,
            profile,
        )
    listing = estimate(Workload(30_000), PipelineConfig.from_options())
    assert f"${listing.total_usd:.2f}" in doc and f"${listing.after_free_tier_usd:.2f}" in doc


def test_the_model_defaults_are_the_construct_defaults() -> None:
    # PipelineConfig's own defaults stand in for the option groups, so the cost model needs no aws-cdk-lib.
    from shipment_pipeline_constructs import AlarmThresholds, IngestOptions, ProcessorOptions, StorageOptions

    given = PipelineConfig.from_options(
        processor=ProcessorOptions(), storage=StorageOptions(), ingest=IngestOptions(), alarms=AlarmThresholds()
    )
    assert given == PipelineConfig.from_options()
    assert dataclasses.replace(given, source="defaults") == PipelineConfig()


@pytest.mark.parametrize("name", ["small", "medium", "large"])
def test_a_scaling_profile_costs_the_same_from_its_figures_as_from_its_props(name: str) -> None:
    # The cost command prices a profile from its plain figures (sizing), without building the construct's options.
    from shipment_pipeline_constructs import ScalingProfile, sizing

    from_props = PipelineConfig.from_options(**ScalingProfile.named(name).pipeline_props())
    from_figures = PipelineConfig.for_sizing(sizing.named(name))
    assert dataclasses.replace(from_figures, source="") == dataclasses.replace(from_props, source="")
    assert from_figures.source == f"scaling profile {name}"


def test_the_composite_alarm_is_counted_while_a_critical_alarm_is_on() -> None:
    from shipment_pipeline_constructs import AlarmThresholds

    # GIVEN only warning alarms on: no PipelineUnhealthy, so no composite alarm to pay for
    warnings_only = AlarmThresholds(
        oldest_message_near_expiry_seconds=None,
        dead_letter_messages=None,
        target_dead_letter_messages=None,
        function_errors=None,
        failed_invocations=None,
    )
    config = PipelineConfig.from_options(alarms=warnings_only)
    assert (config.alarms, config.composite_alarms) == (7, 0)
    assert not [entry for entry in estimate(Workload(30_000), config).lines if entry.item.startswith("composite")]
    # AND one critical alarm is enough for it
    assert PipelineConfig.from_options(alarms=AlarmThresholds(function_errors=None)).composite_alarms == 1
    assert PipelineConfig.from_options(alarms=AlarmThresholds.disabled()).composite_alarms == 0


def test_the_composite_alarm_is_read_from_a_template(default_template) -> None:
    assert PipelineConfig.from_template(default_template.to_json()).composite_alarms == 1
