"""Every command refuses a bad value with one line naming the option, file or resource, and a non-zero exit.

Each case runs the real ``main([...])``: never a traceback, never exit 0 with a nonsense result.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from shipment_pipeline_constructs.cli import arguments, build_parser, main
from shipment_pipeline_constructs.ops.send import MAX_ENTRY_BYTES, entries_from_file

from .conftest import MotoPipeline, run_cli

COST = ["cost", "--events-per-day", "30000"]


def refused(capsys: pytest.CaptureFixture, argv: list[str]) -> str:
    """Run the command; assert it failed with one error line and no traceback; return that line."""
    code = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code != 0, captured.out
    assert "Traceback" not in captured.err
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        # zero
        ([*COST, "--batch-size", "0"], "argument --batch-size: must be a whole number from 1 to 10000, got '0'"),
        ([*COST, "--memory", "0"], "argument --memory: must be a whole number from 128 to 10240 MiB, got '0'"),
        ([*COST, "--event-bytes", "0"], "argument --event-bytes: must be a whole number from 1 to 262144"),
        (["errors", "--limit", "0"], "argument --limit: must be a whole number >= 1, got '0'"),
        (["send", "--count", "0"], "argument --count: must be a whole number >= 1, got '0'"),
        (["replay", "--start", "1h", "--poll-seconds", "-1"], "argument --poll-seconds: must be a finite number >= 0"),
        (["cost", "--events-per-day", "0"], "argument --events-per-day: must be a whole number >= 1, got '0'"),
        # negative
        ([*COST, "--memory", "-1"], "argument --memory: must be a whole number from 128 to 10240 MiB, got '-1'"),
        ([*COST, "--duplicate-rate", "-1"], "argument --duplicate-rate: must be a finite number in [0, 1], got '-1'"),
        ([*COST, "--ttl-days", "-3"], "argument --ttl-days: must be a whole number >= 1, got '-3'"),
        (["dlq", "inspect", "--max-messages", "-1"], "argument --max-messages: must be a whole number >= 1"),
        (["dlq", "redrive", "--max-messages", "-1"], "argument --max-messages: must be a whole number >= 1"),
        (["send", "--count", "-5"], "argument --count: must be a whole number >= 1, got '-5'"),
        (["send", "--invalid", "-1"], "argument --invalid: must be a whole number >= 0, got '-1'"),
        (["local", "--timeout", "-1"], "argument --timeout: must be a finite number > 0, got '-1'"),
        (["status", "--max-oldest-age", "-5"], "argument --max-oldest-age: must be a finite number > 0"),
        # above the range
        ([*COST, "--error-rate", "2"], "argument --error-rate: must be a finite number in [0, 1], got '2'"),
        (["local", "--crash-rate", "1"], "argument --crash-rate: must be a finite number in [0, 1), got '1'"),
        (["dlq", "redrive", "--max-per-second", "501"], "argument --max-per-second: must be a whole number from 1"),
        # NaN and infinity
        ([*COST, "--invocation-ms", "nan"], "argument --invocation-ms: must be a finite number >= 0, got 'nan'"),
        (["local", "--timeout", "inf"], "argument --timeout: must be a finite number > 0, got 'inf'"),
        (["replay", "--start", "1h", "--timeout", "nan"], "argument --timeout: must be a finite number > 0"),
        # wrong type
        ([*COST, "--memory", "512.5"], "argument --memory: must be a whole number from 128 to 10240 MiB, got '512.5'"),
        ([*COST, "--batch-size", "ten"], "argument --batch-size: must be a whole number from 1 to 10000, got 'ten'"),
        ([*COST, "--error-rate", "high"], "argument --error-rate: must be a number in [0, 1], got 'high'"),
        (["errors", "--since", "yesterday"], "argument --since: 'yesterday' is not a time"),
        (["replay", "--start", "last week"], "argument --start: 'last week' is not a time"),
        # a suffix no pipeline can have (a newline would end up in every resource name)
        (
            ["synth", "--suffix", "Prod_1"],
            "argument --suffix: must be 1-32 lower-case letters, digits or inner hyphens",
        ),
        (
            ["status", "--suffix", "dev\n"],
            "argument --suffix: must be 1-32 lower-case letters, digits or inner hyphens",
        ),
        # missing file, a folder for a file
        ([*COST, "--template", "no/such/template.json"], "argument --template: no such file: no/such/template.json"),
        ([*COST, "--prices", "no-prices.json"], "argument --prices: no such file: no-prices.json"),
        (["send", "--file", "no-events.json"], "argument --file: no such file: no-events.json"),
        (["local", "--events", "no-events.jsonl"], "argument --events: no such file: no-events.jsonl"),
        (["local", "--events", "."], "argument --events: . is not a file"),
    ],
)
def test_a_bad_option_value_is_refused_in_one_line_naming_it(capsys, argv, named):
    line = refused(capsys, argv)
    assert named in line
    assert line.startswith("shipment-pipeline ")


def test_help_still_exits_zero(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["cost", "--help"])
    assert stop.value.code == 0
    assert "--batch-size" in capsys.readouterr().out


# ---- files whose content is wrong -------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """One file per class of bad content."""
    entry = {"Source": "shipment.service", "DetailType": "shipment.created", "Detail": {"shipment_id": "S-1"}}
    contents = {
        "empty.jsonl": b"",
        "blank.jsonl": b"\n  \n",
        "binary.json": b"\x80\x81\x00\xff",
        "list.json": b"[1, 2]",
        "scalar.json": b"42",
        "bad-line-2.jsonl": (json.dumps(entry) + "\n{not json\n").encode(),
        "huge-line.jsonl": (
            json.dumps(entry) + "\n" + json.dumps({**entry, "Detail": "x" * (10 << 20)}) + "\n"
        ).encode(),
        "broken.json": b'{\n  "Entries": [\n    {"Source": "a",}\n  ]\n}\n',
        "one-line.jsonl": (json.dumps(entry) + "\n").encode(),
    }
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in contents}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.jsonl", "empty.jsonl holds no entries: nothing to send"),
        ("blank.jsonl", "blank.jsonl holds no entries: nothing to send"),
        ("binary.json", "binary.json is not UTF-8 text (byte 0x80 at offset 0)"),
        ("list.json", "list.json entry 1: an entry must be a JSON object (a PutEvents entry), got 1"),
        ("scalar.json", 'scalar.json must hold {"Entries": [...]}, a JSON list of entries, or one entry per line'),
        ("bad-line-2.jsonl", "bad-line-2.jsonl line 2 is not JSON (column 2: Expecting property name"),
        (
            "huge-line.jsonl",
            f"huge-line.jsonl line 2: the entry is {(10 << 20) + len('shipment.service') + len('shipment.created')} bytes; EventBridge takes at most {MAX_ENTRY_BYTES} "
            "bytes (256 KB) per entry",
        ),
        ("broken.json", "broken.json is neither JSON nor JSON lines: line 3, column 20: Expecting property name"),
    ],
)
def test_local_names_the_file_and_line_of_bad_events_before_it_starts(capsys, files, name, message):
    line = refused(capsys, ["local", "--events", str(files[name])])
    assert line.startswith("error: --events: ")
    assert message in line


def test_a_json_lines_file_of_one_entry_is_one_entry(files):
    # One entry per line is a documented form, also when there is one line.
    entries = entries_from_file(files["one-line.jsonl"], "bus")
    assert [json.loads(entry["Detail"]) for entry in entries] == [{"shipment_id": "S-1"}]


def test_send_refuses_a_bad_file_before_sending_anything(moto_pipeline: MotoPipeline, capsys, files):
    for name in ("empty.jsonl", "binary.json", "bad-line-2.jsonl", "huge-line.jsonl"):
        line = refused(capsys, ["send", "--suffix", "ops", "--file", str(files[name])])
        assert line.startswith("error: ") and name in line
    assert moto_pipeline.depth(moto_pipeline.queue_url) == 0


def test_send_takes_a_json_lines_file_of_one_entry(moto_pipeline: MotoPipeline, capsys, files):
    # Its one entry is not a complete shipment event: --no-validate, since the file form is what is tested.
    code, out, _ = run_cli(capsys, "send", "--suffix", "ops", "--file", str(files["one-line.jsonl"]), "--no-validate")
    assert code == 0
    assert out.startswith("sent 1 of 1 event(s)")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("list.json", "list.json is not a CloudFormation template: it holds a JSON list, not an object with Resources"),
        ("scalar.json", "scalar.json is not a CloudFormation template: it holds a JSON int"),
        ("binary.json", "cannot read template"),
    ],
)
def test_cost_names_a_template_that_is_not_one(capsys, files, name, message):
    line = refused(capsys, [*COST, "--template", str(files[name])])
    assert line.startswith("error: ") and message in line and name in line


def test_errors_refuses_a_range_that_ends_before_it_starts(capsys):
    line = refused(capsys, ["errors", "--suffix", "ops", "--since", "1h", "--until", "2h"])
    assert line.startswith("error: --since (") and "is after --until (" in line


def test_a_missing_queue_is_named(moto_pipeline: MotoPipeline, capsys):
    line = refused(capsys, ["dlq", "inspect", "--suffix", "nope"])
    assert line == (
        "error: queue shipment-events-dlq-nope not found (region us-east-1): check --region and --stack/--suffix; "
        "was the pipeline deployed there?"
    )


# ---- every numeric option has a range --------------------------------------------------------------------


def _options(parser: argparse.ArgumentParser, prefix: str = "shipment-pipeline"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from _options(subparser, f"{prefix} {name}")
        elif action.option_strings and action.nargs != 0:
            yield prefix, action


def test_every_numeric_option_checks_its_range():
    # GIVEN every option of every command  THEN none converts with plain int or float (which take
    # -1, 0, nan and inf); every numeric option uses a range-checking type of the shared module.
    numeric = []
    for command, action in _options(build_parser()):
        name = f"{command} {action.option_strings[-1]}"
        assert action.type not in (int, float), f"{name} uses plain {action.type.__name__}: use cli.arguments"
        default_is_number = isinstance(action.default, (int, float)) and not isinstance(action.default, bool)
        if default_is_number or getattr(action.type, "__module__", None) == arguments.__name__:
            assert getattr(action.type, "__module__", None) == arguments.__name__, f"{name} has no range check"
            numeric.append(name)
        if action.option_strings[-1] == "--suffix":
            assert action.type is arguments.environment_suffix, f"{name} does not check the suffix"
    # the walk did see the commands' numeric options
    assert {"shipment-pipeline cost --batch-size", "shipment-pipeline dlq inspect --max-messages"} <= set(numeric)
    assert len(numeric) >= 25
