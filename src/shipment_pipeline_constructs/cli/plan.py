"""``shipment-pipeline plan``: will the pipeline keep up with a load, and what to change if not."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

from ..ops.aws import OperationError
from . import common

#: What a numeric option must be. Numbers are read as text and checked in :class:`_Numbers`, so every bad
#: value (negative, zero, NaN, not a number) gets one line naming the option, and exit status 2.
_POSITIVE, _NON_NEGATIVE, _SHARE, _COUNT = (
    "a positive number",
    "a number >= 0",
    "a share in [0, 1)",
    "a whole number >= 1",
)


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
    source.add_argument("--template", type=Path, help="a synthesized stack template (cdk.out/<Stack>.template.json)")
    source.add_argument("--scaling", help="a scaling profile: small/30k, medium/300k, large/3m")
    parser.add_argument("--cdk-out", type=Path, help="with --app: synthesize here (default: a temporary folder)")
    parser.add_argument("--suffix", default="dev", help="with --app: environment suffix (default: %(default)s)")
    load = parser.add_argument_group("load")
    load.add_argument("--events-per-day", metavar="N", help="events a day (spread evenly outside the peak)")
    load.add_argument("--peak-multiplier", metavar="X", help="the peak's rate over the average (default: 1)")
    load.add_argument("--peak-minutes", metavar="MIN", help="how long the peak lasts (default: 0)")
    load.add_argument(
        "--load-csv", type=Path, help="events per interval instead: header 'minute,events' or 'second,events'"
    )
    options = parser.add_argument_group("settings (override the app, template or profile)")
    options.add_argument("--batch-size", metavar="N", help="records per invocation")
    options.add_argument("--max-concurrency", metavar="N", help="event source mapping maximum concurrency")
    options.add_argument("--batching-window", metavar="SECONDS", help="maximum batching window")
    options.add_argument("--memory", metavar="MIB", help="function memory")
    model = parser.add_argument_group("model (defaults printed with their source)")
    model.add_argument("--per-record-ms", metavar="MS", help="handler time per record")
    model.add_argument("--dynamodb-ms", metavar="MS", help="one DynamoDB round trip")
    model.add_argument("--batch-overhead-ms", metavar="MS", help="fixed time per batch")
    model.add_argument("--poller-initial", metavar="N", help="concurrent batches Lambda starts with (default: 5)")
    model.add_argument("--poller-per-minute", metavar="N", help="batches Lambda adds a minute (default: 300)")
    model.add_argument("--step-seconds", metavar="SECONDS", help="simulation step (default: 1)")
    workload = parser.add_argument_group("workload and account")
    workload.add_argument("--event-bytes", metavar="BYTES", help="size of one event (default: 1024)")
    workload.add_argument("--error-rate", metavar="SHARE", help="events that end in the DLQ (default: 0.001)")
    workload.add_argument("--duplicate-rate", metavar="SHARE", help="extra deliveries (default: 0.01)")
    workload.add_argument("--hot-key-share", metavar="SHARE", help="events of the busiest shipment id (default: 0.01)")
    workload.add_argument("--entries-per-put", metavar="N", help="events per PutEvents request (default: 1)")
    workload.add_argument("--account-concurrency", metavar="N", help="Lambda concurrency quota (default: 1000)")
    workload.add_argument("--other-concurrency", metavar="N", help="concurrency other functions use (default: 0)")
    parser.add_argument(
        "--target-age-seconds",
        metavar="SECONDS",
        help="search the smallest settings that keep the oldest message under this age",
    )
    parser.add_argument("--plot", type=Path, help="also write backlog and age over time to this PNG (needs matplotlib)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts instead of text")
    parser.set_defaults(handler=common.guarded(run))


def run(args: argparse.Namespace) -> int:
    """Build the plan and print it."""
    from ..capacity import Load, LoadError, build_plan, format_plan, plan_to_dict
    from ..capacity.model import PollerScaling, ProcessingModel
    from ..capacity.render import MissingPlotterError, write_png
    from ..capacity.simulate import Workload

    number = _Numbers(args)
    try:
        if args.load_csv:
            if args.events_per_day or args.peak_multiplier or args.peak_minutes:
                raise OperationError("--load-csv replaces --events-per-day/--peak-multiplier/--peak-minutes: pass one")
            load = Load.from_csv(args.load_csv)
        else:
            if args.events_per_day is None:
                raise OperationError("--events-per-day is required (or --load-csv), e.g. --events-per-day 30000")
            load = Load.peak(
                number("events_per_day", _POSITIVE),
                number("peak_multiplier", _POSITIVE, 1.0),
                number("peak_minutes", _NON_NEGATIVE, 0.0),
            )
    except LoadError as error:
        raise OperationError(str(error)) from None
    settings, rules, cost_config = _settings(args)
    overrides = {
        "batch_size": number("batch_size", _COUNT),
        "max_concurrency": number("max_concurrency", _COUNT),
        "batching_window_seconds": number("batching_window", _NON_NEGATIVE),
        "memory_mib": number("memory", _COUNT),
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
        per_record_ms=number("per_record_ms", _NON_NEGATIVE),
        dynamodb_round_trip_ms=number("dynamodb_ms", _NON_NEGATIVE),
        batch_overhead_ms=number("batch_overhead_ms", _NON_NEGATIVE),
    )
    if processing.batch_seconds(1) <= 0:
        raise OperationError("--per-record-ms, --dynamodb-ms and --batch-overhead-ms cannot all be 0")
    poller = PollerScaling(
        initial=number("poller_initial", _COUNT, PollerScaling.initial),
        per_minute=number("poller_per_minute", _POSITIVE, PollerScaling.per_minute),
    )
    workload = Workload(
        event_bytes=number("event_bytes", _COUNT, Workload.event_bytes),
        error_rate=number("error_rate", _SHARE, Workload.error_rate),
        duplicate_rate=number("duplicate_rate", _SHARE, Workload.duplicate_rate),
        hot_key_share=number("hot_key_share", _SHARE, Workload.hot_key_share),
        entries_per_put=number("entries_per_put", _COUNT, Workload.entries_per_put),
        account_concurrency=number("account_concurrency", _COUNT, Workload.account_concurrency),
        other_concurrency=number("other_concurrency", "a whole number >= 0", Workload.other_concurrency),
    )
    plan = build_plan(
        load,
        settings,
        processing=processing,
        workload=workload,
        poller=poller,
        alarm_rules=rules,
        cost_config=cost_config,
        target_age_seconds=number("target_age_seconds", _POSITIVE),
        step_seconds=number("step_seconds", _POSITIVE, 1.0),
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


class _Numbers:
    """Reads a numeric option: ``None`` (or the default) when absent, else the number, or one clear error."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args

    def __call__(self, name: str, kind: str, default: Any = None) -> Any:
        text = getattr(self._args, name)
        if text is None:
            return default
        option = "--" + name.replace("_", "-")
        checks: dict[str, Callable[[float], bool]] = {
            _POSITIVE: lambda value: value > 0,
            _NON_NEGATIVE: lambda value: value >= 0,
            _SHARE: lambda value: 0 <= value < 1,
            _COUNT: lambda value: value >= 1 and value == int(value),
            "a whole number >= 0": lambda value: value >= 0 and value == int(value),
        }
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not checks[kind](value):
            raise OperationError(f"{option} must be {kind}, got {text!r}")
        return int(value) if kind.startswith("a whole") else value


def _settings(args: argparse.Namespace) -> tuple[Any, Optional[dict], Any]:
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
        try:
            template = json.loads(Path(args.template).read_text())
        except (OSError, ValueError) as error:
            raise OperationError(f"cannot read template {args.template}: {error}") from None
    else:
        from ..capacity.model import ConsumerSettings

        return ConsumerSettings(source="the construct's defaults"), None, None
    try:
        return settings_from_template(template, source=source)
    except ValueError as error:
        raise OperationError(str(error)) from None


def _synthesized(app: Path, cdk_out: Optional[Path], suffix: str) -> tuple[dict, str]:
    """The first template of ``app`` that holds a pipeline, synthesized into ``cdk_out`` or a temporary folder."""
    from ..ops.cost import PipelineConfig
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
            try:
                PipelineConfig.from_template(template)
            except ValueError:
                continue
            return template, f"{app} (stack {path.stem.removesuffix('.template')})"
    raise OperationError(f"--app: no stack of {app} holds a ShipmentEventPipeline")
