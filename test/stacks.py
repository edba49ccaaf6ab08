"""Synthesized stacks shared by the whole test session.

Synthesis costs seconds, so tests never build their own app: they ask
:func:`synth` for a pipeline with given props (or :func:`synth_example` for an
example app), and identical requests share one synthesis. Import these with
``from stacks import synth`` (a module name no other test folder uses).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipment_pipeline_constructs.jsii_env import quiet_jsii

quiet_jsii()

from aws_cdk import App, RemovalPolicy, Stack  # noqa: E402
from aws_cdk import aws_dynamodb as dynamodb  # noqa: E402
from aws_cdk import aws_events as events  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_lambda as lambda_  # noqa: E402
from aws_cdk import aws_logs as logs  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from shipment_pipeline_constructs import (  # noqa: E402
    IngestOptions,
    ProcessorOptions,
    ProvisionedCapacity,
    QueueOptions,
    ShipmentEventPipeline,
    StorageOptions,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

_cache: dict[str, tuple[Stack, ShipmentEventPipeline, Template]] = {}


def build_stack(
    key: str, build: Callable[[Stack], ShipmentEventPipeline]
) -> tuple[Stack, ShipmentEventPipeline, Template]:
    """Build (once per session per ``key``) a stack holding one pipeline; returns stack, pipeline, template."""
    if key not in _cache:
        app = App()
        stack = Stack(app, "TestStack", env={"account": "111111111111", "region": "eu-west-1"})
        pipeline = build(stack)
        _cache[key] = (stack, pipeline, Template.from_stack(stack))
    return _cache[key]


def synth(**props: Any) -> tuple[Stack, ShipmentEventPipeline, Template]:
    """The pipeline with ``props``, synthesized once per distinct :func:`props_key`."""
    return build_stack(props_key(props), lambda stack: ShipmentEventPipeline(stack, "Pipeline", **props))


def props_key(props: dict[str, Any]) -> str:
    """A cache key that names every prop by value: equal props give equal keys.

    ``repr`` alone would not do: a value whose repr is ``<... object at 0x...>``
    (most jsii classes) gives a new key for an equal value, and the cache
    misses silently. Such values are spelled out here (:data:`_BY_VALUE`) or
    refused: build those stacks with :func:`build_stack` and a key of your own.
    """
    return _canonical(dict(props))


def _canonical(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_canonical(value[key])}" for key in sorted(value)) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(_canonical(item) for item in value) + ")"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ", ".join(f"{f.name}={_canonical(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__qualname__}({fields})"
    for kind, spell in _BY_VALUE.items():
        if isinstance(value, kind):
            return spell(value)
    text = repr(value)
    if " at 0x" in text:
        raise TypeError(
            f"synth() cannot key the cache on {text}: its repr holds an object address, so an equal value "
            "would synthesize again. Add its type to stacks._BY_VALUE, or use build_stack(key, build)."
        )
    return text


# jsii classes whose repr is an address, spelled by what identifies them.
_BY_VALUE: dict[type, Callable[[Any], str]] = {
    lambda_.Architecture: lambda architecture: f"Architecture({architecture.name})",
}


def load_example(name: str) -> Any:
    """Import ``examples/<name>/app.py`` as a module (examples are not a package)."""
    import importlib.util

    path = EXAMPLES / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path} as a module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_examples: dict[str, Any] = {}

# What `cdk synth` adds, so templates carry construct paths and asset locations.
SYNTH_CONTEXT = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}


def synth_example(name: str, **context: Any) -> tuple[App, Any]:
    """Build and synthesize ``examples/<name>`` once per session; returns the app and its cloud assembly."""
    key = repr((name, sorted(context.items())))
    if key not in _examples:
        app = App(context={**SYNTH_CONTEXT, **context})
        load_example(name).build_app(app)
        _examples[key] = (app, app.synth())
    return _examples[key]


def example_names() -> list[str]:
    """Every example app folder."""
    return sorted(path.parent.name for path in EXAMPLES.glob("*/app.py"))


def tuned_pipeline() -> tuple[Stack, ShipmentEventPipeline, Template]:
    """Every scalar prop set away from its default."""
    return synth(
        environment_suffix="prod",
        ttl_days=30,
        ingest=IngestOptions(
            event_pattern=events.EventPattern(source=["acme.shipping"], detail_type=["shipment.created"]),
            archive=False,
            target_retry_attempts=10,
            target_max_event_age_hours=2,
        ),
        queues=QueueOptions(retention_days=2, dead_letter_retention_days=7, max_receive_count=3),
        processor=ProcessorOptions(
            memory_size_mib=1024,
            timeout_seconds=30,
            architecture=lambda_.Architecture.X86_64,
            batch_size=50,
            max_batching_window_seconds=5,
            max_concurrency=20,
            reserved_concurrency=25,
            log_retention=logs.RetentionDays.TWO_WEEKS,
            tracing=False,
            metrics_namespace="Acme/Shipments",
        ),
        storage=StorageOptions(
            provisioned=ProvisionedCapacity(
                min_read_units=2, max_read_units=20, min_write_units=10, max_write_units=200
            ),
            point_in_time_recovery=False,
            removal_policy=RemovalPolicy.DESTROY,
        ),
    )


def _existing_resources(stack):
    key = kms.Key(stack, "TeamKey", enable_key_rotation=True)
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        physical_names=False,
        event_bus=events.EventBus.from_event_bus_name(stack, "TeamBus", "team-bus"),
        table=dynamodb.Table.from_table_name(stack, "TeamTable", "team-shipments"),
        encryption_key=key,
        ingest=IngestOptions(archive_retention_days=30),
    )


def existing_resources_pipeline() -> tuple[Stack, ShipmentEventPipeline, Template]:
    """Existing bus, table and KMS key; naming left to CloudFormation."""
    return build_stack("existing-resources", _existing_resources)
