"""``shipment-pipeline status``: one screen of pipeline health; exit code 1 when unhealthy."""

from __future__ import annotations

import argparse

from ..ops.status import DEFAULT_MAX_OLDEST_AGE_SECONDS, collect_status, format_status
from . import common


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``status`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "status",
        help="queue depth, oldest message, DLQs, alarms and recent errors; exit 1 when unhealthy",
        description="Show the pipeline's health on one screen. Unhealthy (exit code 1): an alarm in ALARM, a "
        "message in either dead-letter queue, or an oldest message older than --max-oldest-age.",
        example="shipment-pipeline status --stack ShipmentPipeline-prod --region eu-west-1 || page-someone",
    )
    parser.add_argument(
        "--max-oldest-age",
        type=float,
        default=DEFAULT_MAX_OLDEST_AGE_SECONDS,
        metavar="SECONDS",
        help="oldest message age that counts as unhealthy (default: %(default)s)",
    )
    common.add_operation_arguments(parser, run)


def run(args: argparse.Namespace) -> int:
    """Collect and print the status."""
    conn, resources = common.target(args)
    status = collect_status(conn, resources, max_oldest_age_seconds=args.max_oldest_age)
    if args.json:
        common.print_json({"pipeline": resources.to_dict(), **status.to_dict()})
    else:
        print(format_status(status, resources))
    return 0 if status.healthy else common.EXIT_PROBLEM
