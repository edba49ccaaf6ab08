"""``shipment-pipeline errors``: list error records by time range, shipment id and error type."""

from __future__ import annotations

import argparse
import json

from ..ops.aws import OperationError
from ..ops.errors import format_conflicts, format_table, query_error_records
from . import common
from .arguments import point_in_time, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``errors`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "errors",
        help="list error records (why messages were quarantined or dead-lettered)",
        description="List the errors table's records, newest first, as a table or (--json) JSON lines. "
        "Error types are the handler's reasons (invalid_json, missing_field, invalid_timestamp, ...) or AWS error codes. "
        "Conflicts (a different event under a stored shipment id and timestamp) are listed again below the table "
        "with both content fingerprints and the rejected body.",
        example="shipment-pipeline errors --suffix prod --since 6h --type invalid_timestamp --json | jq .shipment_id",
    )
    parser.add_argument(
        "--since", type=point_in_time, default="24h", help="start: now, 30m, 2h, 7d or ISO 8601 (default: %(default)s)"
    )
    parser.add_argument("--until", type=point_in_time, default="now", help="end, same forms (default: %(default)s)")
    parser.add_argument("--shipment-id", help="only this shipment's records (the by-shipment index)")
    parser.add_argument("--type", dest="error_type", help="only this error type")
    parser.add_argument(
        "--limit", type=positive_int, default=100, help="at most this many records (default: %(default)s)"
    )
    common.add_operation_arguments(parser, run)


def run(args: argparse.Namespace) -> int:
    """Query and print."""
    if args.since > args.until:
        raise OperationError(
            f"--since ({args.since.isoformat()}) is after --until ({args.until.isoformat()}): the range is empty"
        )
    conn, resources = common.target(args)
    table = resources.require("errors_table")
    records = query_error_records(
        conn.client("dynamodb"),
        table,
        since=args.since,
        until=args.until,
        shipment_id=args.shipment_id,
        error_type=args.error_type,
        limit=args.limit,
    )
    if args.json:
        for record in records:
            print(json.dumps(record, default=str))
        return 0
    found = list(records)
    print(format_table(found) if found else "no error records in that range")
    conflicts = format_conflicts(found)
    if conflicts:
        print(f"\n{conflicts}")
    return 0
