"""``shipment-pipeline plan``: the report from an app, option validation, CSV loads, and the scaling profiles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shipment_pipeline_constructs.capacity import Load, LoadError, build_plan
from shipment_pipeline_constructs.capacity.model import HANDLER_CONCURRENT_WRITES, ProcessingModel
from shipment_pipeline_constructs.capacity.render import sparkline
from shipment_pipeline_constructs.cli import main

REPO = Path(__file__).resolve().parents[2]


def run_plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["plan", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def basic_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stacks import synth_example

    _, assembly = synth_example("basic")
    return Path(assembly.stacks[0].template_full_path)


@pytest.mark.slow
def test_plan_of_the_basic_example_prints_every_figure(
    capsys: pytest.CaptureFixture[str], basic_template: Path
) -> None:
    # GIVEN the basic example's template and the seed's load with a 10x peak of 30 minutes
    code, out, err = run_plan(
        capsys,
        "--template", str(basic_template),
        "--events-per-day", "30000", "--peak-multiplier", "10", "--peak-minutes", "30",
    )  # fmt: skip
    # THEN it prints capacity, peak backlog, peak age, drain time, alarms, first limit and cost
    assert code == 0, err
    for expected in (
        "capacity ",
        "peak backlog",
        "peak oldest message age",
        "drain time after the peak",
        "QueueBacklog",
        "OldestMessageAge",
        "nearest limit",
        "Cost: $",
        "5 x 10 records",
    ):
        assert expected in out


@pytest.mark.slow
def test_plan_json_reads_the_templates_settings_and_alarms(
    capsys: pytest.CaptureFixture[str], basic_template: Path
) -> None:
    code, out, _ = run_plan(capsys, "--template", str(basic_template), "--events-per-day", "30000", "--json")
    plan = json.loads(out)
    assert code == 0
    assert (plan["settings"]["batch_size"], plan["settings"]["max_concurrency"]) == (10, 5)
    assert plan["settings"]["retention_seconds"] == 4 * 86_400
    assert set(plan["alarms"]) == {"QueueBacklog", "OldestMessageAge", "DeadLetterMessages", "TableThrottles"}
    assert plan["peak_backlog"]["messages"] == 0 and plan["cost"]["total_usd"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # refused by the option's type (cli.arguments) before anything runs
        (["--events-per-day", "-5"], "argument --events-per-day: must be a whole number >= 1, got '-5'"),
        (["--events-per-day", "0"], "argument --events-per-day: must be a whole number >= 1, got '0'"),
        (["--events-per-day", "nan"], "argument --events-per-day: must be a whole number >= 1, got 'nan'"),
        (["--events-per-day", "inf"], "argument --events-per-day: must be a whole number >= 1, got 'inf'"),
        (
            ["--events-per-day", "1000", "--peak-multiplier", "0"],
            "argument --peak-multiplier: must be a finite number >= 1",
        ),
        (
            ["--events-per-day", "1000", "--peak-multiplier", "0.5"],
            "argument --peak-multiplier: must be a finite number >= 1 (1 is no peak), got '0.5'",
        ),
        (["--events-per-day", "1000", "--peak-minutes", "-1"], "argument --peak-minutes: must be a finite number >= 0"),
        (
            ["--events-per-day", "1000", "--max-concurrency", "0"],
            "argument --max-concurrency: must be a whole number from 2 to 1000, got '0'",
        ),
        (
            ["--events-per-day", "1000", "--batch-size", "2.5"],
            "argument --batch-size: must be a whole number from 1 to 10000, got '2.5'",
        ),
        (
            ["--events-per-day", "1000", "--error-rate", "1.5"],
            "argument --error-rate: must be a finite number in [0, 1)",
        ),
        (
            ["--events-per-day", "1000", "--target-age-seconds", "0"],
            "argument --target-age-seconds: must be a finite number > 0, got '0'",
        ),
        (["--events-per-day", "1000", "--step-seconds", "nan"], "argument --step-seconds: must be a finite number > 0"),
        (
            ["--events-per-day", "1000", "--per-record-ms", "-1"],
            "argument --per-record-ms: must be a finite number >= 0",
        ),
        (
            ["--events-per-day", "1000", "--entries-per-put", "11"],
            "argument --entries-per-put: must be a whole number from 1 to 10 (PutEvents' limit), got '11'",
        ),
        (["--events-per-day", "1000", "--suffix", "Prod_1"], "argument --suffix: must be 1-32 lower-case letters"),
        (["--load-csv", "no/such/load.csv"], "argument --load-csv: no such file: no/such/load.csv"),
        # refused when the command runs
        ([], "error: --events-per-day is required"),
        (["--events-per-day", "1000", "--scaling", "huge"], "error: --scaling: no scaling profile 'huge'"),
        (
            ["--events-per-day", "1000", "--per-record-ms", "0", "--dynamodb-ms", "0", "--batch-overhead-ms", "0"],
            "error: --per-record-ms, --dynamodb-ms and --batch-overhead-ms cannot all be 0",
        ),
    ],
)
def test_bad_options_fail_with_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run_plan(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert err.startswith(("error: ", "shipment-pipeline plan: error: "))


def test_a_load_csv_with_a_peak_option_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "load.csv"
    csv.write_text("minute,events\n0,600\n")
    code, out, err = run_plan(capsys, "--load-csv", str(csv), "--peak-minutes", "0")
    assert (code, out) == (2, "")
    assert err == "error: --load-csv replaces --events-per-day/--peak-multiplier/--peak-minutes: pass one\n"


def test_a_template_that_is_not_an_object_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "list.json"
    template.write_text("[1, 2]")
    code, out, err = run_plan(capsys, "--template", str(template), "--events-per-day", "1000")
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {template} is not a CloudFormation template: it holds a JSON list")


def test_a_csv_of_events_per_minute_is_a_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "load.csv"
    csv.write_text("minute,events\n0,600\n1,6000\n2,600\n")
    load = Load.from_csv(csv)
    assert load.duration_seconds == 180 and load.peak_rate == pytest.approx(100)
    assert load.arrivals(0, 180) == pytest.approx(7_200)
    code, out, _ = run_plan(capsys, "--load-csv", str(csv), "--json")
    assert code == 0 and json.loads(out)["events"]["arrived"] == 7_200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("hour,events\n1,5\n", "the first column must be 'minute' or 'second'"),
        ("minute,events\n0,-3\n", "line 2: events must be a number >= 0"),
        ("minute,events\n0,0\n", "holds no events"),
    ],
)
def test_a_bad_csv_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    csv = tmp_path / "load.csv"
    csv.write_text(text)
    with pytest.raises(LoadError, match=message):
        Load.from_csv(csv)


def test_batch_duration_follows_the_stated_model() -> None:
    model = ProcessingModel.for_memory(512)
    # 0.91 ms CPU per record at one vCPU, x 1769/512 at 512 MB; one round trip per 10 records; 20 ms per batch
    assert model.per_record_ms == pytest.approx(0.91 * 1769 / 512)
    assert model.batch_seconds(10) == pytest.approx((20 + 10 * 0.91 * 1769 / 512 + 10) / 1000)
    assert model.batch_seconds(11) == pytest.approx((20 + 11 * 0.91 * 1769 / 512 + 20) / 1000)
    given = ProcessingModel.for_memory(512, batch_overhead_ms=5.0)
    assert given.batch_overhead_ms == 5.0 and dict(given.sources)["batch_overhead_ms"] == "given"


def test_the_models_writer_pool_is_the_handlers() -> None:
    store = (REPO / "lambda" / "shipment_processor" / "store.py").read_text()
    assert f"MAX_CONCURRENT_WRITES = {HANDLER_CONCURRENT_WRITES}\n" in store


def test_sparkline_scales_to_the_largest_value_or_the_given_scale() -> None:
    assert sparkline([0, 5, 10], width=3) == "▁▅█"
    assert sparkline([0, 1, 0], width=3, scale=8) == "▁▂▁"
    assert len(sparkline(list(range(1_000)), width=60)) == 60


# -- the scaling profiles ----------------------------------------------------------


@pytest.mark.parametrize(("name", "events_per_day"), [("small", 30_000), ("medium", 300_000), ("large", 3_000_000)])
def test_each_profile_at_a_10x_peak_of_30_minutes(name: str, events_per_day: int) -> None:
    # GIVEN a profile's own settings and alarms  WHEN its load peaks at 10x for 30 minutes
    from shipment_pipeline_constructs.capacity.settings import settings_from_profile

    settings, rules, config = settings_from_profile(name)
    plan = build_plan(
        Load.peak(events_per_day, 10, 30), settings, alarm_rules=rules, cost_config=config, advise_settings=False
    )
    # THEN the oldest message stays under the profile's own age alarm, and neither it nor the backlog or the
    # table's throttle alarm fires (the large profile's table is on demand: provisioned at 50-1,000 WCU,
    # auto scaling fell behind this peak and the oldest message reached 962 s)
    threshold = rules["OldestMessageAge"].threshold
    assert plan.result.peak_age.oldest_age_seconds < threshold
    for alarm in ("OldestMessageAge", "QueueBacklog", "TableThrottles"):
        assert plan.result.alarm_times(alarm) == (None, None), alarm


def test_plot_without_matplotlib_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    code, out, err = run_plan(capsys, "--events-per-day", "1000", "--plot", str(tmp_path / "plan.png"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--plot needs matplotlib: pip install 'shipment-pipeline-constructs[plot]'" in err
    assert not (tmp_path / "plan.png").exists()


def test_plot_writes_a_png_with_matplotlib(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")  # the optional `plot` extra
    path = tmp_path / "plan.png"
    code, out, err = run_plan(
        capsys, "--events-per-day", "30000", "--peak-multiplier", "10", "--peak-minutes", "5", "--plot", str(path)
    )
    assert code == 0, err
    assert out.rstrip().endswith(f"plot: {path}")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and path.stat().st_size > 10_000


def test_the_local_pollers_batch_latency_holds_each_invocation() -> None:
    import time

    from shipment_pipeline_constructs.local import FaultInjector

    faults = FaultInjector(batch_latency_seconds=0.05)
    started = time.monotonic()
    faults.delay_batch()
    assert time.monotonic() - started >= 0.05
    with pytest.raises(ValueError, match="batch_latency_seconds must be in"):
        FaultInjector(batch_latency_seconds=-1)
