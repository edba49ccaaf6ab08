"""The ``shipment-pipeline`` command and its subcommands.

Each subcommand module exposes ``register(subparsers)``, which adds its parser
and sets ``handler`` to a function taking the parsed arguments and returning
an exit code.

Errors take one path: a bad option or file is refused by argparse (the types
in :mod:`.arguments`), a failure while running is an :class:`OperationError`
or an AWS error; either way the user sees one ``error:`` line naming the
option, file or resource, and exit code 2. A traceback means a bug.

None of the subcommand modules loads aws-cdk-lib when imported (``test/test_import_boundaries.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from .._version import __version__
from ..ops.aws import OperationError, explain
from . import consumption, cost, demo, dlq, errors, local, plan, replay, schema, send, status, synth, validate
from .common import EXIT_ERROR

SUBCOMMANDS = (demo, synth, local, send, status, errors, dlq, replay, cost, plan, consumption, schema, validate)


class UsageError(SystemExit):
    """A refused option or argument, already reported on stderr; exit code 2 (a ``SystemExit``, as argparse's)."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse's own print the whole usage first).

    Subcommand parsers are created with the class of their parent, so every command has it.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` on stderr and raise :class:`UsageError`."""
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise UsageError(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = CommandParser(
        prog="shipment-pipeline",
        description="Synthesize, run locally and operate a ShipmentEventPipeline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``shipment-pipeline`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)  # --help exits here, with code 0
    except UsageError as refused:
        return int(refused.code or EXIT_ERROR)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (OperationError, ClientError, BotoCoreError) as error:
        # Commands report their own errors (common.guarded); this catches what a command let through.
        print(f"error: {explain(error)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
