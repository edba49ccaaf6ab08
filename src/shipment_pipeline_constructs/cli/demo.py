"""``shipment-pipeline demo``: synthesize a CDK app, run it locally, check its compliance.

With no ``--app`` it uses the example app that ships inside the package, so
it works from any folder. Each step is one function in :data:`STEPS`; the
first that fails stops the demo with one ``error:`` line and a non-zero
exit. A step whose optional extra is not installed is skipped with the
``pip install`` line that enables it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..app_runner import SynthError, bundled_example, synthesize
from . import common, compliance, local
from .synth import add_app_arguments, context_of
from .template_summary import describe_template


def synthesize_step(args: argparse.Namespace, state: dict) -> None:
    """Synthesize the app into ``--out`` and print what it creates."""
    print(f"==> synthesizing {state['app']} into {args.out}/ (environment suffix {args.suffix!r})")
    try:
        state["templates"] = synthesize(state["app"], args.out, context_of(args))
    except (SynthError, ValueError) as error:
        raise common.StepFailed(str(error), exit_code=common.EXIT_ERROR) from error
    state["assembly"] = args.out
    for template in state["templates"]:
        print(describe_template(template))


STEPS: list[Callable[[argparse.Namespace, dict], None]] = [
    synthesize_step,
    local.demo_step,
    compliance.compliance_step,
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "demo",
        help="synthesize a pipeline app, run it locally and check its compliance",
        description="Synthesize a CDK app, run its pipeline locally on an embedded emulator, and check it with "
        "cdk-nag and cfn-lint. The local run needs the 'local' extra, the check the 'compliance' extra.",
        example="shipment-pipeline demo --app .",
    )
    add_app_arguments(parser, app_help="CDK app folder (default: the example app shipped with the package)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run every demo step in order; stop at the first that fails."""
    skipped = []
    try:
        state: dict = {"app": args.app if args.app is not None else bundled_example()}
        for step in STEPS:
            try:
                step(args, state)
            except common.MissingExtraError as error:
                print(f"\n==> skipped: {error}")
                skipped.append(str(error))
    except SynthError as error:
        print(f"error: {error}", file=sys.stderr)
        return common.EXIT_ERROR
    except common.StepFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    where = f"templates in {Path(args.out).resolve()}/"
    if "local_report" in state:
        where += f", local run report in {local.DEFAULT_REPORT}"
    print(f"\nDone{f' ({len(skipped)} step(s) skipped, see above)' if skipped else ''}: {where}.")
    return 0
