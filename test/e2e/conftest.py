"""End-to-end fixtures: one synthesized ``examples/basic`` for the whole session, a fresh local pipeline per test.

Every test runs the real template and the real handler asset on moto (see
``shipment_pipeline_constructs.local``); each gets its own emulator, so
counts never leak between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shipment_pipeline_constructs.app_runner import synthesize
from shipment_pipeline_constructs.local import LocalPipeline, find_template

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``examples/basic`` synthesized once (suffix ``e2e``)."""
    out = tmp_path_factory.mktemp("e2e-cdk.out")
    synthesize(REPO / "examples" / "basic", out, {"environmentSuffix": "e2e"})
    return out


@pytest.fixture(scope="session")
def template_path(cdk_out: Path) -> Path:
    return find_template(app_dir=REPO / "examples" / "basic", cdk_out=cdk_out, suffix="e2e")


@pytest.fixture
def pipeline(template_path: Path) -> Iterator[LocalPipeline]:
    """A running local pipeline with no injected faults."""
    with LocalPipeline(template_path) as running:
        yield running
