"""``shipment-pipeline plan``: will the pipeline keep up with a load, and what to change if not."""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

from ..ops.aws import OperationError
from ..ops.send import MAX_ENTRIES_PER_CALL, MAX_ENTRY_BYTES
from . import common
from .arguments import (
    environment_suffix,
    existing_file,
    non_negative_float,
    non_negative_int,
    number,
    positive_float,
    positive_int,
    rate_below_one,
    whole_number,
)

# The ranges AWS accepts for an SQS event source mapping (as the construct's props check them); the capacity
# package is imported only when the command runs, so that every other command starts without it.
_BATCH_SIZE = whole_number(1, 10_000)
_MAX_CONCURRENCY = whole_number(2, 1_000)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plan`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "plan",
        help="simulate a load on the pipeline: backlog, oldest message age, drain time, alarms, first limit, cost",
        description="A capacity model and a discrete-time simulation of the source queue: consumer capacity, the "
        "backlog and the oldest message's age over time, the drain time after the peak, when QueueBacklog and "
        "OldestMessageAge fire and clear, the first AWS limit hit (each with its documented figure), the monthly "
        "cost, and with --target-age-seconds the smallest max concurrency and batch size that meet it. The "
        "configuration comes from an app (--app), a template, a scaling profile, or the construct's defaults, "
        "adjusted by the options below.",
        example="shipment-pipeline plan --app examples/basic --events-per-day 30000 --peak-multiplier 10 "
        "--peak-minutes 30",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--app", type=Path, help="a CDK app folder: synthesized, then read from its template")
    source.add_argument(
        "--template", type=existing_file, help="a synthesized stack template (cdk.out/<Stack>.template.json)"
    )
    source.add_argument("--scaling", help="a scaling profile: small/30k, medium/300k, large/3m")
    parser.add_argument("--cdk-out", type=Path, help="with --app: synthesize here (default: a temporary folder)")
    parser.add_argument(
        "--suffix", type=environment_suffix, default="dev", help="with --app: environment suffix (default: %(default)s)"
    )
    load = parser.add_argument_group("load")
    load.add_argument(
        "--events-per-day", type=positive_int, metavar="N", help="events a day (spread evenly outside the peak)"
    )
    load.add_argument(
        "--peak-multiplier",
        type=number(1, unit="(1 is no peak)"),
        metavar="X",
        help="the peak's rate over the average (default: 1)",
    )
    load.add_argument(
        "--peak-minutes", type=non_negative_float, metavar="MIN", help="how long the peak lasts (default: 0)"
    )
    load.add_argument(
        "--load-csv", type=existing_file, help="events per interval instead: header 'minute,events' or 'second,events'"
    )
    options = parser.add_argument_group("settings (override the app, template or profile)")
    options.add_argument("--batch-size", type=_BATCH_SIZE, metavar="N", help="records per invocation")
    options.add_argument(
        "--max-concurrency",
        type=_MAX_CONCURRENCY,
        metavar="N",
        help="event source mapping maximum concurrency",
    )
    options.add_argument(
        "--batching-window", type=whole_number(0, 300, unit="s"), metavar="SECONDS", help="maximum batching window"
    )
    options.add_argument("--memory", type=whole_number(128, 10_240, unit="MiB"), metavar="MIB", help="function memory")
    model = parser.add_argument_group("model (defaults printed with their source)")
    model.add_argument("--per-record-ms", type=non_negative_float, metavar="MS", help="handler time per record")
    model.add_argument("--dynamodb-ms", type=non_negative_float, metavar="MS", help="one DynamoDB round trip")
    model.add_argument("--batch-overhead-ms", type=non_negative_float, metavar="MS", help="fixed time per batch")
    model.add_argument(
        "--poller-initial", type=positive_int, metavar="N", help="concurrent batches Lambda starts with (default: 5)"
    )
    model.add_argument(
        "--poller-per-minute", type=positive_float, metavar="N", help="batches Lambda adds a minute (default: 300)"
    )
    model.add_argument("--step-seconds", type=positive_float, metavar="SECONDS", help="simulation step (default: 1)")
    workload = parser.add_argument_group("workload and account")
    workload.add_argument(
        "--event-bytes",
        type=whole_number(1, MAX_ENTRY_BYTES, unit="bytes (EventBridge's entry limit)"),
        metavar="BYTES",
        help="size of one event (default: 1024)",
    )
    # A share of 1 would mean every event fails or is delivered twice: no longer a plan of this pipeline.
    workload.add_argument(
        "--error-rate", type=rate_below_one, metavar="SHARE", help="events that end in the DLQ (default: 0.001)"
    )
    workload.add_argument(
        "--duplicate-rate", type=rate_below_one, metavar="SHARE", help="extra deliveries (default: 0.01)"
    )
    workload.add_argument(
        "--hot-key-share",
        type=rate_below_one,
        metavar="SHARE",
        help="events of the busiest shipment id (default: 0.01)",
    )
    workload.add_argument(
        "--entries-per-put",
        type=whole_number(1, MAX_ENTRIES_PER_CALL, unit="(PutEvents' limit)"),
        metavar="N",
        help="events per PutEvents request (default: 1)",
    )
    workload.add_argument(
        "--account-concurrency", type=positive_int, metavar="N", help="Lambda concurrency quota (default: 1000)"
    )
    workload.add_argument(
        "--other-concurrency", type=non_negative_int, metavar="N", help="concurrency other functions use (default: 0)"
    )
    parser.add_argument(
        "--target-age-seconds",
        type=positive_float,
        metavar="SECONDS",
        help="search the smallest settings that keep the oldest message under this age",
    )
    parser.add_argument(
        "--plot", type=Path, help="also write backlog and age over time to this PNG (needs matplotlib: the plot extra)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts instead of text")
    parser.set_defaults(handler=common.guarded(run))


def run(args: argparse.Namespace) -> int:
    """Build the plan and print it (every number was range-checked by its argument type)."""
    from ..capacity import Load, LoadError, build_plan, format_plan, plan_to_dict
    from ..capacity.model import PollerScaling, ProcessingModel
    from ..capacity.render import MissingPlotterError, write_png
    from ..capacity.simulate import Workload

    try:
        if args.load_csv:
            if args.events_per_day is not None or args.peak_multiplier is not None or args.peak_minutes is not None:
                raise OperationError("--load-csv replaces --events-per-day/--peak-multiplier/--peak-minutes: pass one")
            load = Load.from_csv(args.load_csv)
        else:
            if args.events_per_day is None:
                raise OperationError("--events-per-day is required (or --load-csv), e.g. --events-per-day 30000")
            load = Load.peak(args.events_per_day, _given(args.peak_multiplier, 1.0), _given(args.peak_minutes, 0.0))
    except LoadError as error:
        raise OperationError(str(error)) from None
    settings, rules, cost_config = _settings(args)
    overrides = {
        "batch_size": args.batch_size,
        "max_concurrency": args.max_concurrency,
        "batching_window_seconds": args.batching_window,
        "memory_mib": args.memory,
    }
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    if cost_config is not None:
        cost_config = dataclasses.replace(
            cost_config,
            batch_size=settings.batch_size,
            max_batching_window_seconds=int(settings.batching_window_seconds),
            memory_mib=settings.memory_mib,
        )
    processing = ProcessingModel.for_memory(
        settings.memory_mib,
        per_record_ms=args.per_record_ms,
        dynamodb_round_trip_ms=args.dynamodb_ms,
        batch_overhead_ms=args.batch_overhead_ms,
    )
    if processing.batch_seconds(1) <= 0:
        raise OperationError("--per-record-ms, --dynamodb-ms and --batch-overhead-ms cannot all be 0")
    poller = PollerScaling(
        initial=_given(args.poller_initial, PollerScaling.initial),
        per_minute=_given(args.poller_per_minute, PollerScaling.per_minute),
    )
    workload = Workload(
        event_bytes=_given(args.event_bytes, Workload.event_bytes),
        error_rate=_given(args.error_rate, Workload.error_rate),
        duplicate_rate=_given(args.duplicate_rate, Workload.duplicate_rate),
        hot_key_share=_given(args.hot_key_share, Workload.hot_key_share),
        entries_per_put=_given(args.entries_per_put, Workload.entries_per_put),
        account_concurrency=_given(args.account_concurrency, Workload.account_concurrency),
        other_concurrency=_given(args.other_concurrency, Workload.other_concurrency),
    )
    plan = build_plan(
        load,
        settings,
        processing=processing,
        workload=workload,
        poller=poller,
        alarm_rules=rules,
        cost_config=cost_config,
        target_age_seconds=args.target_age_seconds,
        step_seconds=_given(args.step_seconds, 1.0),
    )
    if args.plot:
        try:
            write_png(plan, args.plot)
        except MissingPlotterError as error:
            raise OperationError(str(error)) from None
    if args.json:
        common.print_json(plan_to_dict(plan))
    else:
        print(format_plan(plan))
        if args.plot:
            print(f"plot: {args.plot}")
    return 0


def _given(value: Any, default: Any) -> Any:
    """The option's value, or the model's default when it was not given (the help text prints that default)."""
    return default if value is None else value


def _settings(args: argparse.Namespace) -> tuple[Any, dict | None, Any]:
    from ..capacity.settings import settings_from_profile, settings_from_template

    if args.scaling:
        try:
            return settings_from_profile(args.scaling)
        except ValueError as error:
            raise OperationError(f"--scaling: {error}") from None
    if args.app:
        template, source = _synthesized(args.app, args.cdk_out, args.suffix)
    elif args.template:
        source = str(args.template)
        template = common.read_template(args.template)
    else:
        from ..capacity.model import ConsumerSettings

        return ConsumerSettings(source="the construct's defaults"), None, None
    try:
        return settings_from_template(template, source=source)
    except ValueError as error:
        raise OperationError(str(error)) from None


def _synthesized(app: Path, cdk_out: Path | None, suffix: str) -> tuple[dict, str]:
    """The first template of ``app`` that holds a pipeline, synthesized into ``cdk_out`` or a temporary folder."""
    from ..template_reader import StackTemplate
    from .synth import SynthError, stack_templates, synthesize

    if not (app / "app.py").is_file():
        raise OperationError(f"--app: {app / 'app.py'} not found; pass a folder that holds a CDK app's app.py")
    with tempfile.TemporaryDirectory(prefix="shipment-pipeline-plan-") as scratch:
        try:
            if cdk_out is not None and (cdk_out / "manifest.json").is_file():
                templates = stack_templates(cdk_out)
            else:
                templates = synthesize(app, cdk_out or Path(scratch), {"environmentSuffix": suffix})
        except SynthError as error:
            raise OperationError(str(error)) from None
        for path in templates:
            template = json.loads(path.read_text())
            # A pipeline as settings_from_template reads it: by construct path, or by shape without path metadata.
            if not StackTemplate.parse(template).pipeline_by_shape().missing(("function", "event_source")):
                return template, f"{app} (stack {path.stem.removesuffix('.template')})"
    raise OperationError(f"--app: no stack of {app} holds a ShipmentEventPipeline")
