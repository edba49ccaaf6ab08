"""The package's version: the one place it is written.

Hatchling reads it when building the sdist and the wheel (``[tool.hatch.version]``),
``shipment_pipeline_constructs.__version__`` and ``shipment-pipeline --version``
return it, and a release tag ``vX.Y.Z`` must match it.
"""

__version__ = "0.1.0"
