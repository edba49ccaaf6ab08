"""``shipment-pipeline send``: put the sample event, a file of entries, or N generated events on the bus.

Events are checked first with the processor and contract of the pipeline
(see :mod:`.validate`): from ``--app`` / ``--cdk-out`` when given, else
the deployed function's own code; nothing is sent when one would be
quarantined, unless ``--no-validate``. Generated and sample events are
written in the pipeline's contract.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ..handler_asset import handler_source_dir
from ..ops.aws import Connection, error_code
from ..ops.contract import AssetContract, ProcessorChecks, deployed_code, entry_body
from ..ops.resources import PipelineResources
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
        "(--count) on the bus. Every event is first checked with the pipeline's processor and contract (the "
        "deployed function's code, or the app of --app / --cdk-out): when one would be quarantined, each is "
        "listed and nothing is sent (--no-validate sends anyway). Failed entries are listed and make the exit code 1.",
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
        help="with --count: also send this many invalid events (they are quarantined; never refused by the check)",
    )
    check = parser.add_argument_group("checking events before sending")
    check.add_argument(
        "--no-validate",
        action="store_true",
        help="send without checking the events first (e.g. to test quarantine)",
    )
    source = check.add_mutually_exclusive_group()
    source.add_argument("--app", type=Path, help="read the contract from this CDK app (synthesized with --suffix)")
    source.add_argument("--cdk-out", type=Path, help="read the contract from this cloud assembly")
    common.add_operation_arguments(parser, run)


def run(args: argparse.Namespace) -> int:
    """Check, send and report."""
    conn, resources = common.target(args)
    bus = resources.require("event_bus")
    # A bad file is refused before anything else is read.
    from_file = entries_from_file(args.file, bus) if args.file else None
    needs_contract = not args.no_validate or from_file is None
    with contract_of(args, conn, resources) if needs_contract else contextlib.nullcontext() as asset:
        entries, deliberately_invalid = (from_file, 0) if from_file is not None else _generated(args, bus, asset)
        if asset is not None and not args.no_validate:
            refused = _refused(asset, entries[: len(entries) - deliberately_invalid])
            if refused:
                for index, reason in refused:
                    print(f"entry {index}: {reason}", file=sys.stderr)
                print(
                    f"error: nothing sent: {len(refused)} of {len(entries)} event(s) would be quarantined by the "
                    "pipeline; fix them, or pass --no-validate to send anyway",
                    file=sys.stderr,
                )
                return common.EXIT_PROBLEM
    result = put_events(conn.client("events"), entries)
    if args.json:
        common.print_json({"event_bus": bus, **result.to_dict()})
    else:
        print(f"sent {result.sent} of {len(entries)} event(s) to {bus}")
        for failure in result.failed:
            print(f"  entry {failure['index']} failed: {failure['error_code']}: {failure['error_message']}")
    return common.EXIT_PROBLEM if result.failed else 0


@contextlib.contextmanager
def contract_of(args: argparse.Namespace, conn: Connection, resources: PipelineResources) -> Iterator[AssetContract]:
    """The pipeline's contract and processor: ``--app`` / ``--cdk-out``, else the deployed function's code.

    Without either and without a deployed function to read (none named, or
    not found), the processor bundled with this library and the default
    contract are used, and a note on stderr says so.
    """
    if args.app is not None or args.cdk_out is not None:
        from .validate import asset_contract

        source = argparse.Namespace(app=args.app, cdk_out=args.cdk_out, suffix=args.suffix or "dev", context=[])
        with asset_contract(source) as asset:
            yield asset
        return
    with tempfile.TemporaryDirectory(prefix="shipment-pipeline-function-") as folder:
        code = _deployed(conn, resources.function, Path(folder))
        yield AssetContract.of_code_dir(code or handler_source_dir())


def _deployed(conn: Connection, function: str | None, folder: Path) -> Path | None:
    if not function:
        print("note: no processor function named: events are checked against the default contract", file=sys.stderr)
        return None
    try:
        return deployed_code(conn, function, folder)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        print(
            f"note: function {function} not found: events are checked against the default contract "
            "(pass --app or --cdk-out to check against your app's)",
            file=sys.stderr,
        )
        return None


def _generated(args: argparse.Namespace, bus: str, asset: AssetContract | None) -> tuple[list[dict[str, Any]], int]:
    """The sample or generated entries in the pipeline's contract, and how many at the end are invalid on purpose."""
    contract = asset.contract if asset is not None else None
    if contract is None or contract.is_default:
        if args.count is not None or args.invalid:
            return generated_entries(bus, args.count or 0, invalid=args.invalid), args.invalid
        return [sample_entry(bus)], 0
    from ..local.load import ContractEvents

    valid = ContractEvents(contract).generate(args.count or 1, duplicate_rate=0.0, invalid_rate=0.0).entries
    invalid = generated_entries(bus, 0, invalid=args.invalid)
    return [dict(entry, EventBusName=bus) for entry in valid] + invalid, args.invalid


def _refused(asset: AssetContract, entries: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """``(index, reason)`` of every entry the pipeline would quarantine."""
    refused = []
    with ProcessorChecks(asset.code_dir) as checks:
        for index, entry in enumerate(entries):
            problem, body = entry_body(entry, index=index)
            reason = problem or asset.rule_problem({"source": entry.get("Source")}) or checks.problem(body)
            if reason:
                refused.append((index, reason))
    return refused
