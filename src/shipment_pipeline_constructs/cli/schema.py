"""``shipment-pipeline schema``: print the JSON Schema of the events a synthesized pipeline accepts."""

from __future__ import annotations

import argparse

from . import common
from .validate import add_asset_arguments, asset_contract


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schema`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "schema",
        help="print the JSON Schema (draft-07) of the events a pipeline accepts: envelope and detail",
        description="Synthesize a CDK app (or read a cloud assembly) and print, as JSON Schema draft-07, the "
        "events its pipeline accepts: the envelope (source and detail-type as the rule matches them) and the "
        "detail the processor checks (the contract's fields and types, and its detail_schema). The contract is "
        "read from the function's code asset, so the schema is the deployed function's. Producer teams check "
        "their events with it in CI, or with `shipment-pipeline validate` for the processor's exact rules.",
        example="shipment-pipeline schema --app infra/ > shipment-event.schema.json",
    )
    add_asset_arguments(parser)
    parser.set_defaults(handler=common.guarded(run))


def run(args: argparse.Namespace) -> int:
    """Print the schema."""
    with asset_contract(args) as asset:
        common.print_json(asset.schema())
    return 0
