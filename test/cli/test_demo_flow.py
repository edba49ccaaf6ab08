"""The demo's control flow: a failed step stops it without "Done", a missing extra skips one step with a hint."""

from __future__ import annotations

import argparse
from pathlib import Path

from shipment_pipeline_constructs.cli import common, demo

from .conftest import REPO


def demo_args() -> argparse.Namespace:
    return argparse.Namespace(app=REPO / "examples" / "basic", out=Path("cdk.out"), suffix="dev", context=[])


def record(name: str, calls: list[str]):
    def step(args: argparse.Namespace, state: dict) -> None:
        calls.append(name)

    return step


def test_a_failed_step_stops_the_demo_with_its_exit_code_and_no_done(monkeypatch, capsys) -> None:
    calls: list[str] = []

    def failing(args: argparse.Namespace, state: dict) -> None:
        raise common.StepFailed("local run: 3 event(s) unaccounted for")

    monkeypatch.setattr(demo, "STEPS", [record("first", calls), failing, record("after", calls)])

    code = demo.run(demo_args())

    out, err = capsys.readouterr()
    assert code == common.EXIT_PROBLEM
    assert calls == ["first"]
    assert err == "error: local run: 3 event(s) unaccounted for\n"
    assert "Done" not in out


def test_a_step_without_its_extra_is_skipped_with_the_install_line(monkeypatch, capsys) -> None:
    calls: list[str] = []
    monkeypatch.setitem(common.EXTRAS, "compliance", ("no_such_module_for_this_test",))

    def needs_compliance(args: argparse.Namespace, state: dict) -> None:
        common.require_extra("compliance", "the compliance check")

    monkeypatch.setattr(demo, "STEPS", [needs_compliance, record("after", calls)])

    code = demo.run(demo_args())

    out = capsys.readouterr().out
    assert code == 0 and calls == ["after"]
    assert (
        "==> skipped: the compliance check needs the 'compliance' extra (no_such_module_for_this_test not installed): "
        "pip install 'shipment-pipeline-constructs[compliance]'"
    ) in out
    assert "Done (1 step(s) skipped, see above): templates in" in out


def test_the_demo_runs_synthesis_then_the_local_run_then_compliance() -> None:
    from shipment_pipeline_constructs.cli import compliance, local

    assert demo.STEPS == [demo.synthesize_step, local.demo_step, compliance.compliance_step]
