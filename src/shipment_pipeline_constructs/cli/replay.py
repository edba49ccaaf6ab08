"""``shipment-pipeline replay``: replay archived events of a time window through this pipeline's rule."""

from __future__ import annotations

import argparse

from ..ops.progress import Progress
from ..ops.replay import replay_summary, start_replay, wait_for_replay
from . import common
from .arguments import non_negative_float, point_in_time, positive_float


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``replay`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "replay",
        help="replay archived events of a time window to this pipeline's rule only",
        description="Start an EventBridge replay from the pipeline's archive for [--start, --end), filtered to "
        "the pipeline's rule (other rules on the bus see nothing), and follow it until it completes. "
        "The processor stores each event once, so overlapping windows are harmless.",
        example="shipment-pipeline replay --suffix prod --start 2025-10-13T08:00:00Z --end 2025-10-13T12:00:00Z",
    )
    parser.add_argument("--start", type=point_in_time, required=True, help="window start: ISO 8601, or 30m, 2h, 7d ago")
    parser.add_argument(
        "--end", type=point_in_time, default="now", help="window end, same forms (default: %(default)s)"
    )
    parser.add_argument("--name", help="replay name (default: <pipeline>-<UTC time>)")
    parser.add_argument("--no-wait", action="store_true", help="start the replay and return")
    parser.add_argument(
        "--poll-seconds",
        type=non_negative_float,
        default=5.0,
        help="how often to check progress (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=positive_float, metavar="SECONDS", help="stop following after this long (the replay goes on)"
    )
    common.add_operation_arguments(parser, run)


def run(args: argparse.Namespace) -> int:
    """Start, follow and report."""
    conn, resources = common.target(args)
    events = conn.client("events")
    request = start_replay(events, resources, start=args.start, end=args.end, name=args.name)
    name = request["ReplayName"]
    if not args.json:
        print(
            f"replay {name} started: {request['EventStartTime'].isoformat()} to {request['EventEndTime'].isoformat()}"
        )
    if args.no_wait:
        replay = events.describe_replay(ReplayName=name)
    else:
        replay = wait_for_replay(
            events,
            name,
            progress=Progress(None, "", enabled=False if args.json else None),
            poll_seconds=args.poll_seconds,
            timeout_seconds=args.timeout,
        )
    summary = replay_summary(replay)
    if args.json:
        common.print_json(summary)
    else:
        print(
            f"replay {name}: {summary.get('State')}{' - ' + summary['StateReason'] if summary.get('StateReason') else ''}"
        )
    return common.EXIT_PROBLEM if summary.get("State") in ("FAILED", "CANCELLED") else 0
