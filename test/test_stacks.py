"""The shared synthesis cache keys on prop values, and refuses values it cannot key."""

from __future__ import annotations

import pytest
from aws_cdk import aws_lambda as lambda_
from stacks import props_key

from shipment_pipeline_constructs import ProcessorOptions, ScalingProfile


def test_equal_props_give_equal_keys_even_when_their_reprs_hold_addresses():
    # GIVEN two equal option groups holding jsii objects whose repr is "<... object at 0x...>"
    first = ScalingProfile.MEDIUM.pipeline_props()
    second = ScalingProfile.MEDIUM.pipeline_props()
    # THEN one key: the second synth() reuses the first synthesis
    assert props_key(first) == props_key(second)
    assert props_key(dict(reversed(first.items()))) == props_key(first)


def test_different_props_give_different_keys():
    arm = ProcessorOptions(architecture=lambda_.Architecture.ARM_64)
    x86 = ProcessorOptions(architecture=lambda_.Architecture.X86_64)
    assert props_key({"processor": arm}) != props_key({"processor": x86})


def test_a_value_keyed_by_its_address_is_refused_not_missed():
    with pytest.raises(TypeError, match="holds an object address"):
        props_key({"vpc": object()})
