"""``shipment-pipeline synth``: synthesize a CDK app folder as ``cdk synth`` does, without the CDK CLI.

The running of the app lives in :mod:`shipment_pipeline_constructs.app_runner`;
this module holds the command and the options that every command that
synthesizes an app shares.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..app_runner import SynthError, stack_templates, synthesize
from . import common
from .arguments import environment_suffix
from .template_summary import describe_template

__all__ = [
    "SynthError",
    "add_app_arguments",
    "add_context_argument",
    "context_of",
    "parse_assignments",
    "register",
    "run",
    "stack_templates",
    "synthesize",
]


def add_app_arguments(parser: argparse.ArgumentParser, *, app_help: str) -> None:
    """``--app``, ``--out``, ``--suffix`` and ``-c/--context``: what every command that synthesizes an app takes."""
    parser.add_argument("--app", type=Path, default=None, help=app_help)
    parser.add_argument(
        "--out", type=Path, default=Path("cdk.out"), help="cloud assembly folder to write (default: %(default)s)"
    )
    parser.add_argument(
        "--suffix",
        type=environment_suffix,
        default="dev",
        help="environment suffix passed as context environmentSuffix (default: %(default)s)",
    )
    add_context_argument(parser)


def add_context_argument(parser: argparse.ArgumentParser) -> None:
    """``-c/--context KEY=VALUE``, repeatable, as the CDK CLI takes it."""
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="more context for the app, as `cdk synth -c KEY=VALUE` (repeatable; wins over --suffix)",
    )


def context_of(args: argparse.Namespace) -> dict[str, Any]:
    """The context the arguments ask for: ``--suffix`` as ``environmentSuffix``, then every ``-c KEY=VALUE``."""
    return {"environmentSuffix": args.suffix, **parse_assignments(args.context, option="-c/--context")}


def parse_assignments(pairs: list[str], *, option: str) -> dict[str, str]:
    """``["KEY=VALUE", ...]`` as a dict; a pair without ``=`` raises ValueError naming ``option``."""
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{option} takes KEY=VALUE, got {pair!r}")
        parsed[key] = value
    return parsed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "synth",
        help="synthesize a CDK app and summarize its templates",
        description="Run a CDK app folder as `cdk synth` does (the app command of its cdk.json, else app.py) "
        "into a cloud assembly, and summarize each stack.",
        example="shipment-pipeline synth --app . --suffix prod",
    )
    add_app_arguments(parser, app_help="CDK app folder (default: the current folder)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Synthesize and print a summary of each stack."""
    try:
        templates = synthesize(args.app or Path("."), args.out, context_of(args))
    except (SynthError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return common.EXIT_ERROR
    for template in templates:
        print(describe_template(template))
    return 0
