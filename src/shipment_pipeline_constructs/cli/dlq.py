"""``shipment-pipeline dlq inspect|redrive``: look into a dead-letter or the quarantine queue, and move its messages back."""

from __future__ import annotations

import argparse
import sys

from ..ops.progress import Progress
from ..ops.redrive import FALLBACK, approximate_depth, format_inspection, inspect_messages, redrive
from ..ops.resources import PipelineResources
from . import common
from .arguments import positive_int, whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``dlq`` with its ``inspect`` and ``redrive`` subcommands."""
    parser = common.add_parser(
        subparsers,
        "dlq",
        help="inspect or redrive the dead-letter and quarantine queues",
        description="Work with the source queue's DLQ (default: events whose retries ran out), with "
        "--quarantine the quarantine queue (events the processor refused: invalid, or in conflict), or, with "
        "--target, the DLQ of events EventBridge could not deliver.",
        example="shipment-pipeline dlq inspect --suffix prod",
    )
    actions = parser.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    inspect = common.add_parser(
        actions,
        "inspect",
        help="show DLQ messages with the reason each is there (they stay in the queue)",
        description="Show up to --max-messages DLQ messages with attributes, body and the reason each is there: "
        "the error record the processor wrote for it (found by its error_id attribute, or by its message id in "
        "the errors table since it was first sent). A message without one is shown as UNEXPLAINED and counted. "
        "Messages are hidden for a few seconds while read, then released.",
        example="shipment-pipeline dlq inspect --suffix prod --max-messages 5",
    )
    inspect.add_argument(
        "--max-messages", type=positive_int, default=10, help="how many to show (default: %(default)s)"
    )
    move = common.add_parser(
        actions,
        "redrive",
        help="move DLQ messages back to the source queue",
        description="Move DLQ messages back to the source queue after a fix: with SQS's message-move task "
        "where supported, else receive -> send -> delete, deleting a message from the DLQ only after its copy "
        "was sent. An interruption can leave a duplicate (stored once by the idempotent processor), never a loss.",
        example="shipment-pipeline dlq redrive --suffix prod --dry-run",
    )
    move.add_argument("--dry-run", action="store_true", help="only say how many messages would move, and how")
    move.add_argument(
        "--max-messages", type=positive_int, help="move at most this many (uses the receive-send-delete path)"
    )
    move.add_argument("--max-per-second", type=whole_number(1, 500), help="rate limit of the message-move task")
    move.add_argument("--no-native", action="store_true", help="skip the message-move task, use receive-send-delete")
    for action, run in ((inspect, run_inspect), (move, run_redrive)):
        which = action.add_mutually_exclusive_group()
        which.add_argument(
            "--target", action="store_true", help="the EventBridge target DLQ instead of the source queue's DLQ"
        )
        which.add_argument(
            "--quarantine",
            action="store_true",
            help="the quarantine queue (refused events: invalid, or in conflict) instead of the source queue's DLQ",
        )
        common.add_operation_arguments(action, run)


def _dead_letter_queue(args: argparse.Namespace, resources: PipelineResources) -> str:
    if getattr(args, "quarantine", False):
        return resources.require("quarantine_queue")
    return resources.require("target_dead_letter_queue" if args.target else "dead_letter_queue")


def run_inspect(args: argparse.Namespace) -> int:
    """Show DLQ messages."""
    conn, resources = common.target(args)
    sqs = conn.client("sqs")
    queue_url = PipelineResources.queue_url(sqs, _dead_letter_queue(args, resources))
    messages = inspect_messages(
        sqs,
        conn.client("dynamodb"),
        queue_url=queue_url,
        errors_table=resources.errors_table,
        max_messages=args.max_messages,
    )
    if args.json:
        common.print_json(messages)
    else:
        print(format_inspection(messages, queue_depth=approximate_depth(sqs, queue_url)))
    return 0


def run_redrive(args: argparse.Namespace) -> int:
    """Redrive and report."""
    conn, resources = common.target(args)
    sqs = conn.client("sqs")
    source = PipelineResources.queue_url(sqs, _dead_letter_queue(args, resources))
    destination = PipelineResources.queue_url(sqs, resources.require("queue"))
    result = redrive(
        sqs,
        source_url=source,
        destination_url=destination,
        max_messages=args.max_messages,
        # The target DLQ and the quarantine queue are no queue's redrive target, so SQS's task cannot move them.
        try_native=not (args.no_native or args.target or args.quarantine),
        max_per_second=args.max_per_second,
        dry_run=args.dry_run,
        progress=Progress(None, "messages moved", enabled=False if args.json else None),
    )
    if args.json:
        common.print_json({"source": source, "destination": destination, **result.to_dict()})
    elif result.dry_run:
        how = (
            "SQS's message-move task (receive-send-delete where unsupported)" if result.method != FALLBACK else FALLBACK
        )
        print(f"dry run: would move about {result.to_move} message(s) from {source} to {destination} with {how}")
    else:
        print(f"moved {result.moved} of {result.to_move} message(s) to {destination} ({result.method})")
        if result.task_status and result.task_status != "COMPLETED":
            print(f"message-move task {result.task_status}: {result.failure_reason or ''}", file=sys.stderr)
        for failure in result.failed:
            print(
                f"  {failure['message_id']}: {failure['step']} failed: {failure['error_code']} {failure['error_message']}"
            )
    failed = bool(result.failed) or (result.task_status not in (None, "COMPLETED"))
    return common.EXIT_PROBLEM if failed else 0
