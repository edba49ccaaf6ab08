"""``shipment-pipeline send``: put the sample event, a file of entries, or N generated events on the bus."""

from __future__ import annotations

import argparse

from ..ops.send import entries_from_file, generated_entries, put_events, sample_entry
from . import common
from .arguments import existing_file, non_negative_int, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``send`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "send",
        help="put shipment events on the pipeline's bus",
        description="Put the sample event (default), a file of entries (--file), or N generated events "
        "(--count) on the bus. Failed entries are listed and make the exit code 1.",
        example="shipment-pipeline send --suffix prod --count 100 --invalid 2",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--file",
        type=existing_file,
        help='entries as `aws events put-events` takes them ({"Entries": [...]}), a JSON list or JSON lines',
    )
    what.add_argument("--count", type=positive_int, help="generate this many distinct valid events")
    parser.add_argument(
        "--invalid",
        type=non_negative_int,
        default=0,
        help="with --count: also send this many invalid events (they end in the DLQ)",
    )
    common.add_operation_arguments(parser, run)


def run(args: argparse.Namespace) -> int:
    """Send and report."""
    conn, resources = common.target(args)
    bus = resources.require("event_bus")
    if args.file:
        entries = entries_from_file(args.file, bus)
    elif args.count is not None or args.invalid:
        entries = generated_entries(bus, args.count or 0, invalid=args.invalid)
    else:
        entries = [sample_entry(bus)]
    result = put_events(conn.client("events"), entries)
    if args.json:
        common.print_json({"event_bus": bus, **result.to_dict()})
    else:
        print(f"sent {result.sent} of {len(entries)} event(s) to {bus}")
        for failure in result.failed:
            print(f"  entry {failure['index']} failed: {failure['error_code']}: {failure['error_message']}")
    return common.EXIT_PROBLEM if result.failed else 0
