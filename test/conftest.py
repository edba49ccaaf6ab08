"""Session fixtures; the shared synthesis cache itself is in :mod:`stacks`."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template
from stacks import REPO, build_stack, example_names, load_example, synth, synth_example  # noqa: F401  (re-exported)

from shipment_pipeline_constructs import ShipmentEventPipeline


@pytest.fixture(scope="session")
def default_pipeline() -> tuple[Stack, ShipmentEventPipeline, Template]:
    """The pipeline with every default and suffix ``test``."""
    return synth(environment_suffix="test")


@pytest.fixture(scope="session")
def default_template(default_pipeline) -> Template:
    """Template of :func:`default_pipeline`."""
    return default_pipeline[2]
