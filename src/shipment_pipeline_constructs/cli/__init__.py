"""The ``shipment-pipeline`` command: one subcommand per module in this package.

Each subcommand module exposes ``register(subparsers)``, which adds its parser
and sets ``handler`` to a function taking the parsed arguments and returning
an exit code.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from . import cost, demo, dlq, errors, local, plan, replay, send, status, synth

SUBCOMMANDS = (demo, synth, local, send, status, errors, dlq, replay, cost, plan)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="shipment-pipeline",
        description="Synthesize, run locally and operate a ShipmentEventPipeline.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``shipment-pipeline`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
