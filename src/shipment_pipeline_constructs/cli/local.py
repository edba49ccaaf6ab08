"""``shipment-pipeline local``: run the synthesized pipeline on this machine, end to end, and report.

Needs the optional extra ``local`` (moto): ``pip install 'shipment-pipeline-constructs[local]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..app_runner import SynthError
from .arguments import (
    environment_suffix,
    existing_file,
    non_negative_float,
    non_negative_int,
    positive_float,
    rate_below_one,
)

DEFAULT_REPORT = Path("reports/local-run.json")
DEMO_BURST = 200


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``local`` subcommand."""
    parser = subparsers.add_parser(
        "local",
        help="run the pipeline locally on an embedded AWS emulator and report what happened to every event",
        description="Synthesize a CDK app (or use an existing cloud assembly), create its bus, rule, archive, queues "
        "and tables in moto on 127.0.0.1, run the bundled handler behind a local SQS event source mapping, send "
        "events, drain, and write a JSON report.\n\n"
        "examples:\n"
        "  shipment-pipeline local --events examples/basic/sample-event.json\n"
        "  shipment-pipeline local --count 2000 --duplicate-rate 0.1 --invalid-rate 0.05 \\\n"
        "      --transient-failure-rate 0.2 --crash-rate 0.05 --report reports/faults.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--app", type=Path, default=Path("examples/basic"), help="CDK app folder (default: %(default)s)"
    )
    parser.add_argument(
        "--cdk-out",
        type=Path,
        default=None,
        help="use this cloud assembly when it exists, else synthesize into it (default: cdk.out)",
    )
    parser.add_argument(
        "--suffix",
        type=environment_suffix,
        default="dev",
        help="environment suffix when synthesizing (default: %(default)s)",
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
        return 2
    if args.events:
        from ..ops.aws import OperationError
        from ..ops.send import entries_from_file

        try:  # before the emulator starts: a bad file is refused in a second, not after a synthesis
            entries_from_file(args.events, "")
        except OperationError as error:
            print(f"error: --events: {error}", file=sys.stderr)
            return 2
    report = run_and_report(args)
    if report is None:
        return 2
    return 0 if report["drained"] and report["unaccounted"] == 0 and not report["missing_permissions"] else 1


def run_and_report(args: argparse.Namespace) -> dict[str, Any] | None:
    """Run with ``args`` (see :func:`register`), print the summary and write the report; None when it could not run."""
    from ..local import MissingEmulatorError, TemplateError, run_local, summary_lines
    from ..ops.aws import OperationError
    from ..ops.progress import Progress

    function_log = args.report.with_suffix(".function.jsonl")
    bar = Progress(total=None, label="", stream=sys.stdout)
    try:
        report = run_local(
            app_dir=args.app,
            cdk_out=args.cdk_out,
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
        )
    except (MissingEmulatorError, TemplateError, SynthError, OperationError, ValueError, OSError) as error:
        bar.close()
        print(f"error: {error}", file=sys.stderr)
        return None
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
    """The demo's local run: the seed's sample event plus a burst with duplicates and invalid events."""
    sample = args.app / "sample-event.json"
    local_args = argparse.Namespace(
        app=args.app,
        cdk_out=args.out,
        suffix=args.suffix,
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
    state["local_report"] = run_and_report(local_args)
