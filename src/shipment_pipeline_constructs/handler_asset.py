"""Where the bundled handler's source is, installed or in a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# Files that must never change the asset hash or ship to Lambda.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/*.md"]


def handler_source_dir() -> Path:
    """Directory that becomes the function's code asset.

    A wheel carries it as ``shipment_pipeline_constructs/lambda`` (hatchling
    force-include); an editable install or a checkout uses the repository's
    top-level ``lambda/``.
    """
    packaged = Path(str(resources.files(__package__) / "lambda"))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "lambda"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"bundled handler not found: looked in {packaged} and {checkout}. "
        "Reinstall shipment-pipeline-constructs from a wheel, or run from a checkout."
    )
