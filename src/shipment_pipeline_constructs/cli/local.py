"""``shipment-pipeline local``: run the synthesized pipeline on this machine, end to end, and report.

Needs the optional extra ``local`` (moto): ``pip install 'shipment-pipeline-constructs[local]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..app_runner import synthesize
from . import common
from .arguments import (
    environment_suffix,
    existing_file,
    non_negative_float,
    non_negative_int,
    positive_float,
    rate_below_one,
)
from .synth import add_context_argument, context_of, parse_assignments

DEFAULT_REPORT = Path("reports/local-run.json")
DEMO_BURST = 200
SAMPLE_EVENT = "sample-event.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``local`` subcommand."""
    parser = subparsers.add_parser(
        "local",
        help="run the pipeline locally on an embedded AWS emulator and report what happened to every event",
        description="Synthesize a CDK app (or read an existing cloud assembly), create its bus, rule, archive, "
        "queues and tables in moto on 127.0.0.1, run the bundled handler behind a local SQS event source mapping, "
        "send events, drain, and write a JSON report.\n\n"
        "examples:\n"
        "  shipment-pipeline local --app . --events sample-event.json\n"
        "  shipment-pipeline local --cdk-out cdk.out --parameters EnvironmentSuffix=test --count 500\n"
        "  shipment-pipeline local --count 2000 --duplicate-rate 0.1 --invalid-rate 0.05 \\\n"
        "      --transient-failure-rate 0.2 --crash-rate 0.05 --report reports/faults.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--app", type=Path, default=None, help="CDK app folder to synthesize (default: the current folder)"
    )
    parser.add_argument(
        "--cdk-out",
        type=Path,
        default=None,
        help="run this existing cloud assembly as it is: it is never synthesized again nor written to "
        "(default: synthesize --app into a folder next to the report, REPORT.cdk.out/, never into your cdk.out)",
    )
    parser.add_argument(
        "--suffix",
        type=environment_suffix,
        default="dev",
        help="environment suffix when synthesizing (default: %(default)s)",
    )
    add_context_argument(parser)
    parser.add_argument(
        "--parameters",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a value for one of the template's CloudFormation parameters, as `cdk deploy --parameters` "
        "(repeatable; the others take their Default)",
    )
    parser.add_argument(
        "--events", type=existing_file, help='events to send: {"Entries": [...]} or JSON lines of entries'
    )
    parser.add_argument(
        "--count", type=non_negative_int, default=0, help="generated events to send (default: %(default)s)"
    )
    parser.add_argument(
        "--duplicate-rate", type=rate_below_one, default=0.1, help="of generated events (default: %(default)s)"
    )
    parser.add_argument(
        "--invalid-rate", type=rate_below_one, default=0.05, help="of generated events (default: %(default)s)"
    )
    parser.add_argument(
        "--transient-failure-rate",
        type=rate_below_one,
        default=0.0,
        help="injected DynamoDB throttles on event writes (default: %(default)s)",
    )
    parser.add_argument(
        "--crash-rate",
        type=rate_below_one,
        default=0.0,
        help="injected whole-invocation crashes (default: %(default)s)",
    )
    parser.add_argument(
        "--outage-seconds",
        type=non_negative_float,
        default=0.0,
        help="injected DynamoDB outage: every handler write fails for this long (default: %(default)s)",
    )
    parser.add_argument(
        "--outage-after",
        type=non_negative_float,
        default=10.0,
        help="seconds after the pipeline starts that the outage begins (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=non_negative_int, default=None, help="make the generated load and the faults repeatable"
    )
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="JSON report (default: %(default)s)")
    parser.add_argument(
        "--timeout", type=positive_float, default=300.0, help="seconds to wait for draining (default: %(default)s)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run, print the summary, write the report.

    Exit 1 when anything is unaccounted, the run timed out or a grant is missing; 2 when it could not run.
    """
    if not args.events and not args.count:
        print("error: nothing to send: pass --events FILE and/or --count N", file=sys.stderr)
        return common.EXIT_ERROR
    if args.app is not None and args.cdk_out is not None:
        print("error: pass --app (to synthesize) or --cdk-out (an existing assembly), not both", file=sys.stderr)
        return common.EXIT_ERROR
    if args.events:
        from ..ops.send import entries_from_file

        try:  # before the emulator starts: a bad file is refused in a second, not after a synthesis
            entries_from_file(args.events, "")
        except common.OperationError as error:
            print(f"error: --events: {error}", file=sys.stderr)
            return common.EXIT_ERROR
    try:
        report = run_and_report(args)
    except common.MissingExtraError as error:
        print(f"error: {error}", file=sys.stderr)
        return common.EXIT_ERROR
    except common.StepFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0 if report_problem(report) is None else common.EXIT_PROBLEM


def run_and_report(args: argparse.Namespace) -> dict[str, Any]:
    """Run with ``args`` (see :func:`register`), print the summary and write the report.

    Raises :class:`~.common.MissingExtraError` without moto, and
    :class:`~.common.StepFailed` (exit code 2) with one line when the run could not happen.
    """
    common.require_extra("local", "the local run")
    try:
        return _run_and_report(args)
    except (RuntimeError, ValueError, OSError, common.OperationError, BotoCoreError, ClientError) as error:
        raise common.StepFailed(str(error), exit_code=common.EXIT_ERROR) from error


def report_problem(report: dict[str, Any]) -> str | None:
    """What makes the run a failure (not drained, events unaccounted for, a missing grant), or None."""
    if not report["drained"]:
        return f"the queue did not drain in time ({report['unaccounted']} event(s) unaccounted for)"
    if report["unaccounted"]:
        return f"{report['unaccounted']} event(s) unaccounted for"
    if report["missing_permissions"]:
        return "the template misses grants the run relied on: " + "; ".join(report["missing_permissions"])
    return None


def _run_and_report(args: argparse.Namespace) -> dict[str, Any]:
    from ..local import run_local, summary_lines
    from ..ops.progress import Progress

    cdk_out = args.cdk_out
    if cdk_out is None:
        cdk_out = args.report.with_suffix(".cdk.out")
        synthesize(args.app or Path("."), cdk_out, context_of(args))
    function_log = args.report.with_suffix(".function.jsonl")
    bar = Progress(total=None, label="", stream=sys.stdout)
    try:
        report = run_local(
            cdk_out=cdk_out,
            suffix=args.suffix,
            events_file=args.events,
            count=args.count,
            duplicate_rate=args.duplicate_rate,
            invalid_rate=args.invalid_rate,
            transient_failure_rate=args.transient_failure_rate,
            crash_rate=args.crash_rate,
            outage_seconds=args.outage_seconds,
            outage_after_seconds=args.outage_after,
            timeout=args.timeout,
            seed=args.seed,
            function_log=function_log,
            progress=lambda received, queued: bar.update(
                received, label=f"messages received by the function, {queued} in the queue"
            ),
            parameters=parse_assignments(args.parameters, option="--parameters"),
        )
    finally:
        bar.close()
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    for line in summary_lines(report):
        print(f"  {line}")
    if report["retargeted_to_local_bus"]:
        count = report["retargeted_to_local_bus"]
        print(
            f"  {count} {'entry names' if count == 1 else 'entries name'} a bus other than the local one; "
            f"sent to the local pipeline's bus {report['settings']['event_bus']} instead"
        )
    if report["rejected_by_put_events"]:
        print(f"  PutEvents rejected {len(report['rejected_by_put_events'])} entries (see the report)")
    print(f"  report: {args.report}; function logs: {function_log}; template: {report['settings']['template']}")
    return report


def demo_step(args: argparse.Namespace, state: dict) -> None:
    """The demo's local run of the assembly the synthesize step wrote: the app's sample event plus a burst."""
    sample = Path(state["app"]) / SAMPLE_EVENT
    local_args = argparse.Namespace(
        app=None,
        cdk_out=args.out,
        suffix=args.suffix,
        context=[],
        parameters=[],
        events=sample if sample.is_file() else None,
        count=DEMO_BURST,
        duplicate_rate=0.1,
        invalid_rate=0.05,
        transient_failure_rate=0.0,
        crash_rate=0.0,
        outage_seconds=0.0,
        outage_after=0.0,
        seed=None,
        report=DEFAULT_REPORT,
        timeout=120.0,
    )
    print(
        f"\n==> running the pipeline locally on moto: {'the sample event plus ' if local_args.events else ''}"
        f"{DEMO_BURST} generated events (10% duplicates, 5% invalid)"
    )
    report = run_and_report(local_args)
    state["local_report"] = report
    problem = report_problem(report)
    if problem:
        raise common.StepFailed(f"local run: {problem} (see {DEFAULT_REPORT})")
