"""Session fixtures; the shared synthesis cache itself is in :mod:`stacks`."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template
from hypothesis import HealthCheck, settings
from stacks import synth

from shipment_pipeline_constructs import ShipmentEventPipeline

# Property tests assert behaviour, not speed: on a loaded 2-core CI machine a
# slow example or slow data generation must not fail the run.
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("project")


@pytest.fixture(scope="session")
def default_pipeline() -> tuple[Stack, ShipmentEventPipeline, Template]:
    """The pipeline with every default and suffix ``test``."""
    return synth(environment_suffix="test")


@pytest.fixture(scope="session")
def default_template(default_pipeline) -> Template:
    """Template of :func:`default_pipeline`."""
    return default_pipeline[2]
