"""The ``shipment-pipeline`` command and its subcommands.

Each module in :data:`SUBCOMMANDS` exposes ``register(subparsers)``, which
adds its parser and sets ``handler`` to a function taking the parsed
arguments and returning an exit code. The other modules serve them:
:mod:`.common` (shared options and error handling), :mod:`.template_summary`
(the synthesis summary) and :mod:`.compliance` (the demo's compliance step).
None of them loads aws-cdk-lib when imported (``test/test_import_boundaries.py``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from .._version import __version__
from . import cost, demo, dlq, errors, local, replay, send, status, synth

SUBCOMMANDS = (demo, synth, local, send, status, errors, dlq, replay, cost)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="shipment-pipeline",
        description="Synthesize, run locally and operate a ShipmentEventPipeline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
