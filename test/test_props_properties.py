"""Any value of any prop ends in a valid template or in the one PipelineValidationError: nothing else.

Hypothesis draws values for every field of every option group and every keyword prop of the construct,
from their declared types (so a field added later is drawn too): right-typed values around the allowed
ranges, and wild ones (floats with NaN and infinity, ``None``, ``Decimal``, bools, strings with newlines,
dicts, lists, plain objects). A NaN that reached aws-cdk-lib would kill the jsii process, and every later
test of the session would fail with it.

Invalid props raise before any resource exists (a tenth of a second); a valid set is synthesized (seconds),
so the example counts are small and the valid ones are checked against the template: the values asked
for are the values rendered.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import typing
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from hypothesis import event, given, settings
from hypothesis import strategies as st

from shipment_pipeline_constructs import (
    AlarmThreshold,
    AlarmThresholds,
    EventContract,
    IngestOptions,
    PipelineValidationError,
    ProcessorOptions,
    QueueOptions,
    RecordHook,
    ShipmentEventPipeline,
    StorageOptions,
)
from shipment_pipeline_constructs.shape import ENV
from shipment_pipeline_constructs.validation import UNION_ORIGINS

GROUPS = {
    "ingest": IngestOptions,
    "queues": QueueOptions,
    "processor": ProcessorOptions,
    "storage": StorageOptions,
    "alarms": AlarmThresholds,
    "contract": EventContract,
}


class Level(enum.IntEnum):
    """An ``int`` subclass: jsii cannot serialize its members."""

    FIVE = 5


WILD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=20_000),
    st.sampled_from([2**53, -(2**60), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 2.5, 2.0, 512.5]),
    st.decimals(allow_nan=True, allow_infinity=True, places=2),
    st.just(Level.FIVE),
    st.text(max_size=8),
    st.sampled_from(["dev\n", "prod", "ops@example.com\n", "", "AWS/Lambda", " "]),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
    st.builds(object),
    st.builds(ProcessorOptions),
)

# Instances of the jsii classes the option groups declare (they need no scope).
EXAMPLES: dict[Any, list[Any]] = {
    lambda_.Architecture: [lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64],
    logs.RetentionDays: [logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_MONTH],
    RemovalPolicy: [RemovalPolicy.RETAIN, RemovalPolicy.DESTROY],
    dynamodb.StreamViewType: [dynamodb.StreamViewType.NEW_IMAGE, dynamodb.StreamViewType.KEYS_ONLY],
    ec2.SubnetSelection: [ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    events.EventPattern: [
        events.EventPattern(source=["orders.service"]),
        events.EventPattern(detail_type=["shipment.created"]),
        events.EventPattern(),
    ],
    # An event contract's detail schema: usable, refused (2020-12), and invalid.
    collections.abc.Mapping[str, Any]: [
        {"type": "object", "required": ["event_data"]},
        {"$schema": "https://json-schema.org/draft/2020-12/schema"},
        {"type": "no-such-type"},
    ],
}


def typed(hint: Any, depth: int = 0, *, wild: bool = False) -> st.SearchStrategy[Any]:
    """Values of the declared type ``hint`` (their ranges are not respected: validation must catch those).

    An option group's fields are drawn the same way, and with ``wild`` from anything at all.
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in UNION_ORIGINS:
        return st.one_of(*(typed(arg, depth, wild=wild) for arg in args))
    if hint is type(None):
        return st.none()
    if origin is typing.Literal:
        return st.sampled_from(args)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.one_of(st.integers(min_value=-2, max_value=1_200), st.sampled_from([10_240, 10_241, 20_000]))
    if hint is float:
        return st.one_of(st.integers(min_value=-1, max_value=1_000), st.floats(-1, 1e6, allow_nan=False))
    if hint is str:
        return st.sampled_from(["dev", "prod-2", "ShipmentPipeline", "Team/Orders", "dev\n", "Bad_Suffix", ""])
    if origin in (collections.abc.Sequence, list, tuple) and args[0] is str:
        return st.lists(st.sampled_from(["ops@example.com", "oncall@example.org", "not-an-address"]), max_size=2)
    if origin in (collections.abc.Sequence, list, tuple):
        return st.lists(typed(args[0], depth, wild=wild), max_size=2)
    if hint in EXAMPLES:
        return st.sampled_from(EXAMPLES[hint])
    if origin in (collections.abc.Mapping, dict):
        # Keyed by alarm id (AlarmRouting's mappings): known ids, the composite's, and one that does not exist.
        keys = st.sampled_from(["QueueBacklog", "FunctionThrottles", "PipelineUnhealthy", "Nope"])
        values = st.one_of(typed(args[1], depth, wild=wild), st.just("https://wiki.example.com/runbook#x"))
        return st.dictionaries(keys, values, max_size=2)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return group(hint, depth + 1, wild=wild)
    if hint in EXAMPLES:
        return st.sampled_from(EXAMPLES[hint])
    if getattr(hint, "_is_protocol", False):
        return st.none()  # a jsii interface (a bus, a table...): building one needs a scope
    raise NotImplementedError(f"no example values of {hint}: add some to EXAMPLES")


def any_value(hint: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value of the declared type, or anything at all."""
    return st.one_of(typed(hint, depth, wild=True), WILD)


def group(cls: type, depth: int = 0, *, wild: bool = True) -> st.SearchStrategy[Any]:
    """An instance of the option group ``cls`` with a few fields set to drawn values."""
    if depth > 2:
        return st.builds(cls)
    hints = typing.get_type_hints(cls)
    drawn = {
        field.name: any_value(hints[field.name], depth) if wild else typed(hints[field.name], depth)
        for field in dataclasses.fields(cls)
    }
    required = {name: drawn.pop(name) for name in _required_fields(cls)}
    return st.fixed_dictionaries(required, optional=drawn).map(lambda values: cls(**values))


def _required_fields(cls: type) -> list[str]:
    return [
        field.name
        for field in dataclasses.fields(cls)
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    ]


def construct_props(*, wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword props of the construct: a few of them, each drawn from its declared type (and, if ``wild``, anything)."""
    hints = typing.get_type_hints(ShipmentEventPipeline.__init__)
    optional = {}
    for name, hint in hints.items():
        if name in ("scope", "construct_id", "return"):
            continue
        if name in GROUPS:
            optional[name] = (
                st.one_of(group(GROUPS[name], wild=wild), WILD) if wild else group(GROUPS[name], wild=False)
            )
        else:
            optional[name] = any_value(hint) if wild else typed(hint)
    return st.fixed_dictionaries({}, optional=optional)


def build(props: dict[str, Any]) -> tuple[Stack, ShipmentEventPipeline] | None:
    """The pipeline in a fresh app, or None when validation refused the props (then with a named problem each)."""
    stack = Stack(App(), "Props", env={"account": "111111111111", "region": "eu-west-1"})
    try:
        return stack, ShipmentEventPipeline(stack, "Pipeline", **props)
    except PipelineValidationError as error:
        assert error.problems, "a validation error lists at least one problem"
        props_named = set(props) | {"environment_suffix", "alarm_emails", "ttl_days"}
        for problem in error.problems:
            assert problem.split(".")[0].split(" ")[0].rstrip(":") in props_named, problem
        return None


def assert_rendered_as_asked(stack: Stack, pipeline: ShipmentEventPipeline) -> None:
    """The template holds the settings in effect: nothing dropped or changed on the way."""
    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]
    processor, queues = pipeline.processor_options, pipeline.queue_options

    def one(kind: str, predicate=lambda props: True) -> dict[str, Any]:
        found = [r["Properties"] for r in resources.values() if r["Type"] == kind and predicate(r["Properties"])]
        assert len(found) == 1, (kind, len(found))
        return found[0]

    mapping = one("AWS::Lambda::EventSourceMapping")
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == processor.max_concurrency
    assert mapping["BatchSize"] == processor.batch_size
    function = one(
        "AWS::Lambda::Function", lambda props: ENV.ttl_days in props.get("Environment", {}).get("Variables", {})
    )
    assert function["MemorySize"] == processor.memory_size_mib
    assert function["Timeout"] == processor.timeout_seconds
    variables = function["Environment"]["Variables"]
    assert variables[ENV.ttl_days].isdigit() and int(variables[ENV.ttl_days]) >= 1
    source = one("AWS::SQS::Queue", lambda props: "RedrivePolicy" in props)
    assert source["RedrivePolicy"]["maxReceiveCount"] == queues.max_receive_count
    assert source["VisibilityTimeout"] == 6 * processor.timeout_seconds


@settings(max_examples=30)
@given(props=construct_props(wild=True))
def test_any_value_of_any_prop_ends_in_a_template_or_the_validation_error(props):
    built = build(props)
    event("refused by validation" if built is None else "synthesized")
    if built is not None:
        assert_rendered_as_asked(*built)


@settings(max_examples=10)
@given(props=construct_props(wild=False))
def test_well_typed_values_out_of_range_or_not_end_in_a_template_or_the_validation_error(props):
    built = build(props)
    event("refused by validation" if built is None else "synthesized")
    if built is not None:
        assert_rendered_as_asked(*built)


@pytest.mark.parametrize("cls", [*GROUPS.values(), AlarmThreshold, RecordHook], ids=lambda cls: cls.__name__)
def test_every_field_of_every_group_is_type_checked(cls):
    # GIVEN any field of any option group set to a plain object, which no declared type allows
    # THEN validation names that very field: a field added later cannot skip the type check
    from shipment_pipeline_constructs.validation import Problems, check_type

    required = {field.name: 1 for field in dataclasses.fields(cls) if field.default is dataclasses.MISSING}
    for field in dataclasses.fields(cls):
        instance = dataclasses.replace(cls(**required), **{field.name: object()})
        problems = Problems()
        check_type(problems, "group", instance, cls)
        assert problems.mistyped(f"group.{field.name}"), field.name


def test_every_prop_of_the_construct_is_type_checked():
    # GIVEN each keyword prop in turn set to a plain object  THEN validation names that prop
    hints = typing.get_type_hints(ShipmentEventPipeline.__init__)
    for name in hints:
        if name in ("scope", "construct_id", "return"):
            continue
        with pytest.raises(PipelineValidationError) as raised:
            ShipmentEventPipeline(Stack(App(), "Props"), "Pipeline", **{name: object()})
        assert raised.value.problems[0].startswith(f"{name} must be "), raised.value.problems
