"""``shipment-pipeline validate``: check events offline with the processor a synthesized app ships, under its contract.

The contract and the processor both come from the function's code folder in
the cloud assembly (:mod:`..ops.contract`), so a producer team's CI checks
its events with exactly the rules the deployed function applies: the
contract's fields and types, the JSON Schema, DynamoDB's limits. The record
hook is not run (it is your code, tested with ``shipment_pipeline_constructs.testing``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..app_runner import SynthError, stack_templates, synthesize
from ..ops.aws import OperationError
from ..ops.contract import AssetContract, ProcessorChecks, event_body
from ..template_reader import StackTemplate
from . import common
from .arguments import environment_suffix, existing_file
from .synth import add_context_argument, context_of


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "validate",
        help="check events offline against a pipeline's contract, with the processor it ships",
        description="Synthesize a CDK app (or read a cloud assembly) and check every event of FILE (JSON lines: "
        "PutEvents entries with Source, DetailType and a Detail string, or whole events with source, "
        "detail-type and detail) with the bundled processor and the contract of the app's pipeline. Prints one "
        "line per invalid event (its line number and the reason the pipeline would quarantine it). "
        "Exit code 0: all valid; 1: some invalid; 2: the check could not run.",
        example="shipment-pipeline validate --app infra/ events.jsonl",
    )
    parser.add_argument("file", type=existing_file, metavar="FILE.jsonl", help="events, one JSON object a line")
    add_asset_arguments(parser)
    parser.set_defaults(handler=common.guarded(run))


def add_asset_arguments(parser: argparse.ArgumentParser) -> None:
    """``--app`` / ``--cdk-out``, ``--suffix`` and ``-c``: where the pipeline's contract is read from."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--app", type=Path, help="CDK app folder to synthesize (default: the current folder)")
    where.add_argument("--cdk-out", type=Path, help="read this existing cloud assembly instead of synthesizing")
    parser.add_argument(
        "--suffix",
        type=environment_suffix,
        default="dev",
        help="environment suffix when synthesizing (default: %(default)s)",
    )
    add_context_argument(parser)


@contextlib.contextmanager
def asset_contract(args: argparse.Namespace) -> Iterator[AssetContract]:
    """The contract of the first pipeline in the app (``--app``) or assembly (``--cdk-out``) the arguments name.

    A synthesized assembly lives in a temporary folder for as long as the ``with`` block.
    """
    from ..local.template import load_pipeline

    with contextlib.ExitStack() as stack:
        if args.cdk_out is not None:
            try:
                templates = stack_templates(args.cdk_out)
            except SynthError as error:
                raise OperationError(f"--cdk-out: {error}") from None
        else:
            outdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shipment-pipeline-cdk.out-")))
            try:
                templates = synthesize(args.app or Path("."), outdir, context_of(args))
            except SynthError as error:
                raise OperationError(f"--app: {error}") from None
        for template in templates:
            if StackTemplate.load(template).pipelines():
                yield AssetContract.of_pipeline(load_pipeline(template))
                return
        raise OperationError(
            f"no stack holds a ShipmentEventPipeline ({', '.join(str(t) for t in templates) or 'no stack templates'})"
        )


def run(args: argparse.Namespace) -> int:
    """Check every event of the file; print the invalid ones."""
    events = list(_read_events(args.file))
    if not events:
        raise OperationError(f"{args.file} holds no events (one JSON object a line)")
    with asset_contract(args) as asset, ProcessorChecks(asset.code_dir) as checks:
        invalid = [
            (number, reason)
            for number, event, not_json in events
            if (reason := not_json or check_event(asset, checks, event, number))
        ]
    for number, reason in invalid:
        print(f"line {number}: {reason}")
    print(f"{len(events)} event(s) checked, {len(invalid)} invalid")
    return common.EXIT_PROBLEM if invalid else 0


def check_event(asset: AssetContract, checks: ProcessorChecks, event: Any, number: int) -> str | None:
    """Why the pipeline would not store ``event`` (a parsed JSON value), or ``None``."""
    if not isinstance(event, dict):
        return f"a JSON {type(event).__name__}, not an event object"
    problem, body, envelope = event_body(event, index=number)
    return problem or asset.rule_problem(envelope) or checks.problem(body)


def _read_events(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """``(line number, parsed value, None)``, or ``(line number, None, why it is not JSON)``, per non-blank line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OperationError(f"cannot read {path}: {error}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), None
        except ValueError as error:
            yield number, None, f"not JSON ({error})"
