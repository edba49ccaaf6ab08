"""``shipment-pipeline pause`` and ``resume``: switch the event source mapping off and on, and confirm it."""

from __future__ import annotations

import argparse

from ..ops.consumption import DEFAULT_POLL_SECONDS, DEFAULT_TIMEOUT_SECONDS, format_change, set_consumption
from . import common
from .arguments import positive_float


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``pause`` and ``resume`` subcommands."""
    pause = common.add_parser(
        subparsers,
        "pause",
        help="stop consuming the queue (disable the event source mapping); events wait in the queue",
        description="Disable the pipeline's SQS event source mapping and wait until Lambda reports it Disabled. "
        "Events keep arriving and wait in the source queue, for at most its retention period: `status` shows how "
        "long the oldest one has left. Exit code 1 when the mapping has not settled within --timeout.\n\n"
        "A deploy does not undo a pause unless it changes the event source mapping itself "
        "(ProcessorOptions.enabled or another of its settings): CloudFormation then sets the template's value.",
        example="shipment-pipeline pause --stack ShipmentPipeline-prod --region eu-west-1",
    )
    resume = common.add_parser(
        subparsers,
        "resume",
        help="consume the queue again (enable the event source mapping); the backlog drains",
        description="Enable the pipeline's SQS event source mapping and wait until Lambda reports it Enabled; the "
        "backlog then drains at the mapping's maximum concurrency. Exit code 1 when the mapping has not settled "
        "within --timeout.",
        example="shipment-pipeline resume --stack ShipmentPipeline-prod --region eu-west-1",
    )
    for parser, enabled in ((pause, False), (resume, True)):
        parser.add_argument(
            "--timeout",
            type=positive_float,
            default=DEFAULT_TIMEOUT_SECONDS,
            metavar="SECONDS",
            help="how long to wait for Lambda to apply the change (default: %(default)s)",
        )
        parser.add_argument(
            "--poll-interval",
            type=positive_float,
            default=DEFAULT_POLL_SECONDS,
            metavar="SECONDS",
            help="seconds between checks of the mapping's state (default: %(default)s)",
        )
        parser.set_defaults(enabled=enabled)
        common.add_operation_arguments(parser, run)


def run(args: argparse.Namespace) -> int:
    """Switch the mapping, wait, and print the state it reached."""
    conn, resources = common.target(args)
    change = set_consumption(
        conn, resources, enabled=args.enabled, timeout_seconds=args.timeout, poll_seconds=args.poll_interval
    )
    if args.json:
        common.print_json(change.to_dict())
    else:
        queue = resources.queue.rsplit("/", 1)[-1] if resources.queue else None
        print(format_change(change, queue=queue))
    return 0 if change.settled else common.EXIT_PROBLEM
