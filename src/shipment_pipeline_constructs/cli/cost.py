"""``shipment-pipeline cost``: itemized monthly cost for a load and a configuration."""

from __future__ import annotations

import argparse
import dataclasses
import json

from .. import sizing
from ..ops.cost import PipelineConfig, Workload, estimate, format_estimate, load_prices
from ..ops.send import MAX_ENTRY_BYTES as MAX_EVENT_BYTES
from . import common
from .arguments import existing_file, fraction, non_negative_float, non_negative_int, positive_int, whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cost`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "cost",
        help="estimate the monthly cost for a load and a configuration",
        description="Itemized monthly estimate (EventBridge, SQS, Lambda, DynamoDB, CloudWatch, X-Ray, KMS) at the "
        "list prices in prices.json, with the free tier shown separately. The configuration is the construct's "
        "defaults (adjusted by the options below), a scaling profile, a synthesized template, or a deployed stack.",
        example="shipment-pipeline cost --events-per-day 300000 --scaling medium",
    )
    parser.add_argument("--events-per-day", type=positive_int, required=True, help="shipment events a day")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--template", type=existing_file, help="a synthesized stack template (cdk.out/<Stack>.template.json)"
    )
    source.add_argument("--stack", help="a deployed stack: its template is read from CloudFormation")
    source.add_argument("--scaling", help="a scaling profile: small/30k, medium/300k, large/3m")
    options = parser.add_argument_group("construct options (without --template / --stack)")
    options.add_argument(
        "--memory", type=whole_number(128, 10_240, unit="MiB"), help="function memory in MiB (default: 512)"
    )
    options.add_argument("--architecture", choices=("arm64", "x86_64"), help="function architecture (default: arm64)")
    options.add_argument("--batch-size", type=whole_number(1, 10_000), help="messages per invocation (default: 10)")
    options.add_argument(
        "--batching-window", type=whole_number(0, 300, unit="s"), metavar="SECONDS", help="batching window (default: 0)"
    )
    options.add_argument("--ttl-days", type=positive_int, help="days items are kept (default: 90)")
    options.add_argument(
        "--cmk",
        action="store_true",
        help="encryption_key is given: count the KMS requests it adds (queues, tables, bus, archive, logs)",
    )
    options.add_argument("--dashboards", type=non_negative_int, help="dashboards (default: 1)")
    options.add_argument("--alarms", type=non_negative_int, help="alarms (default: 9, the built-in ones)")
    workload = parser.add_argument_group("workload assumptions")
    workload.add_argument(
        "--event-bytes",
        type=whole_number(1, MAX_EVENT_BYTES, unit="bytes (EventBridge's entry limit)"),
        default=1024,
        help="size of one event (default: %(default)s)",
    )
    workload.add_argument(
        "--error-rate", type=fraction, default=0.001, help="share of events that fail (default: %(default)s)"
    )
    workload.add_argument(
        "--duplicate-rate", type=fraction, default=0.01, help="extra deliveries, as a share (default: %(default)s)"
    )
    workload.add_argument(
        "--invocation-ms",
        type=non_negative_float,
        default=40,
        help="billed ms per invocation, fixed part (default: %(default)s)",
    )
    parser.add_argument("--prices", type=existing_file, help="a price file like the bundled prices.json")
    group = parser.add_argument_group("connection (only with --stack)")
    group.add_argument("--region", help="AWS region of --stack")
    group.add_argument("--profile", help="AWS named profile")
    group.add_argument("--endpoint-url", help="send requests here (local emulator)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts instead of text")
    parser.set_defaults(handler=common.guarded(run))


def run(args: argparse.Namespace) -> int:
    """Estimate and print."""
    config = _config(args)
    workload = Workload(
        events_per_day=args.events_per_day,
        event_bytes=args.event_bytes,
        error_rate=args.error_rate,
        duplicate_rate=args.duplicate_rate,
        invocation_ms=args.invocation_ms,
    )
    result = estimate(workload, config, load_prices(args.prices))
    if args.json:
        common.print_json(result.to_dict())
    else:
        print(format_estimate(result))
    return 0


def _config(args: argparse.Namespace) -> PipelineConfig:
    if args.template:
        template = common.read_template(args.template)
        return PipelineConfig.from_template(template, source=str(args.template))
    if args.stack:
        body = common.connection(args).client("cloudformation").get_template(StackName=args.stack)["TemplateBody"]
        return PipelineConfig.from_template(
            json.loads(body) if isinstance(body, str) else body, source=f"stack {args.stack}"
        )
    config = PipelineConfig.from_options(encryption_key=args.cmk)
    if args.scaling:
        config = dataclasses.replace(
            PipelineConfig.for_sizing(sizing.named(args.scaling), encryption_key=args.cmk),
            source=f"scaling profile {args.scaling}",
        )
    overrides = {
        "memory_mib": args.memory,
        "architecture": args.architecture,
        "batch_size": args.batch_size,
        "max_batching_window_seconds": args.batching_window,
        "ttl_days": args.ttl_days,
        "dashboards": args.dashboards,
        "alarms": args.alarms,
    }
    return dataclasses.replace(config, **{name: value for name, value in overrides.items() if value is not None})
