"""``shipment-pipeline demo``: what ``make demo`` runs.

Today: synthesize ``examples/basic`` and summarize it. Each later step of the
demo (local run, compliance report) is one more function in :data:`STEPS`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from ..app_runner import SynthError, synthesize
from . import common, compliance, local
from .synth import add_app_arguments
from .template_summary import describe_template


def synthesize_step(args: argparse.Namespace, state: dict) -> None:
    """Synthesize the example app and print what it creates."""
    print(f"==> synthesizing {args.app} into {args.out}/ (environment suffix {args.suffix!r})")
    state["templates"] = synthesize(args.app, args.out, {"environmentSuffix": args.suffix})
    for template in state["templates"]:
        print(describe_template(template))


STEPS: list[Callable[[argparse.Namespace, dict], None]] = [synthesize_step]
STEPS.append(local.demo_step)
STEPS.append(compliance.compliance_step)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "demo",
        help="synthesize the example pipeline and show what it does",
        description="The README's first command: synthesize, run locally, check compliance.",
        example="shipment-pipeline demo --app examples/basic",
    )
    add_app_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run every demo step in order; stop at the first that fails."""
    state: dict = {}
    try:
        for step in STEPS:
            step(args, state)
    except SynthError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"\nDone. Templates are in {Path(args.out).resolve()}/; see README.md for what to try next.")
    return 0
