"""A user's own folder, outside the repository, holding a CDK app; synthesized once for the module's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .user_apps import Run, shipment_pipeline, write_user_app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def user_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``cdk init``-style app in a temporary folder outside the repository."""
    folder = write_user_app(tmp_path_factory.mktemp("user") / "shipments-app")
    assert REPO not in folder.resolve().parents
    return folder


@pytest.fixture(scope="session")
def synthesized(user_app: Path) -> Run:
    """``shipment-pipeline synth --app . --suffix clitest`` run once in the user's folder (writes ./cdk.out)."""
    return shipment_pipeline("synth", "--app", ".", "--suffix", "clitest", cwd=user_app)
