"""``shipment-pipeline synth``: synthesize a CDK app directory without the CDK CLI (see :mod:`..app_runner`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..app_runner import SynthError, synthesize
from . import common
from .arguments import environment_suffix
from .template_summary import describe_template


def add_app_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command that synthesizes an app shares."""
    parser.add_argument(
        "--app", type=Path, default=Path("examples/basic"), help="CDK app folder (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("cdk.out"), help="cloud assembly folder (default: %(default)s)"
    )
    parser.add_argument(
        "--suffix",
        type=environment_suffix,
        default="dev",
        help="environment suffix passed as context environmentSuffix (default: %(default)s)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "synth",
        help="synthesize a CDK app and summarize its templates",
        description="Synthesize a CDK app folder into a cloud assembly and summarize each stack.",
        example="shipment-pipeline synth --app examples/basic --suffix prod",
    )
    add_app_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Synthesize and print a summary of each stack."""
    try:
        templates = synthesize(args.app, args.out, {"environmentSuffix": args.suffix})
    except SynthError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for template in templates:
        print(describe_template(template))
    return 0
