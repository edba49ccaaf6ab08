"""``shipment-pipeline status``: one screen of pipeline health; exit code 1 when unhealthy."""

from __future__ import annotations

import argparse
import dataclasses

from ..ops.resources import alarm_names
from ..ops.status import DEFAULT_MAX_OLDEST_AGE_SECONDS, collect_status, format_status
from . import common
from .arguments import positive_float


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``status`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "status",
        help="queue depth, oldest message, DLQs, alarms (severity, runbook) and recent errors; exit 1 when unhealthy",
        description="Show the pipeline's health on one screen. Unhealthy (exit code 1): an alarm in ALARM, an "
        "alarm the pipeline should have but that is not found, a message in either dead-letter queue, an oldest "
        "message older than --max-oldest-age, or one the queue's retention deletes in less than a day. It also "
        "shows whether consumption is paused (`shipment-pipeline pause` / `resume`).\n\nAlarms are looked up by "
        "exact name: with --stack, the alarms in "
        "the stack's template (whatever CloudFormation named them); with --suffix or --pipeline-name, the names the "
        "construct gives them (<pipeline>-queue-backlog...); --alarm names them one by one. An alarm in ALARM shows "
        "its severity (critical: data at risk or not flowing; warning: degraded) and its runbook link, both read "
        "from its description; critical ones come first in the problems.",
        example="shipment-pipeline status --stack ShipmentPipeline-prod --region eu-west-1 || page-someone",
    )
    parser.add_argument(
        "--max-oldest-age",
        type=positive_float,
        default=DEFAULT_MAX_OLDEST_AGE_SECONDS,
        metavar="SECONDS",
        help="oldest message age that counts as unhealthy (default: %(default)s)",
    )
    alarms = parser.add_argument_group("alarms (default: those --stack / --suffix find)")
    alarms.add_argument(
        "--alarm",
        dest="alarms",
        action="append",
        metavar="NAME",
        help="exact name of one of the pipeline's alarms; repeat for each (replaces the ones found otherwise)",
    )
    alarms.add_argument(
        "--no-alarms",
        action="store_true",
        help="the pipeline was deployed without alarms (AlarmThresholds.disabled()): expect none",
    )
    common.add_operation_arguments(parser, run)


def run(args: argparse.Namespace) -> int:
    """Collect and print the status."""
    conn, resources = common.target(args)
    if args.no_alarms:
        resources = dataclasses.replace(resources, alarms=())
    elif args.pipeline_name and not args.alarms:
        # --pipeline-name: the exact names the construct builds from it, not a prefix search.
        resources = dataclasses.replace(resources, alarms=alarm_names(args.pipeline_name))
    status = collect_status(conn, resources, max_oldest_age_seconds=args.max_oldest_age)
    if args.json:
        common.print_json({"pipeline": resources.to_dict(), **status.to_dict()})
    else:
        print(format_status(status, resources))
    return 0 if status.healthy else common.EXIT_PROBLEM
