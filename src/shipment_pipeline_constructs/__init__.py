"""AWS CDK constructs for a secure, observable, cost-aware shipment event pipeline.

Start with :class:`ShipmentEventPipeline`; its settings are grouped in
:class:`IngestOptions`, :class:`QueueOptions`, :class:`ProcessorOptions` and
:class:`StorageOptions`; what it accepts in :class:`EventContract` (with your own
processing step, :class:`RecordHook`); its alarms in :class:`AlarmThresholds`; sizes for a
load in :class:`ScalingProfile`.

Importing the package loads nothing from aws-cdk-lib: each public name is
imported from its module on first use. The operator tooling lives in
subpackages (``cli``, ``ops``, ``local``), and importing a subpackage runs
this file first, so this is what lets ``shipment-pipeline`` start with
boto3 alone (``test/test_import_boundaries.py`` checks it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__
from .jsii_env import quiet_jsii

# Before aws_cdk starts its jsii process: no Node.js banners, faster synthesis.
quiet_jsii()

if TYPE_CHECKING:
    from .contract import EventContract, RecordHook
    from .naming import ResourceNames
    from .observe import AlarmRouting, AlarmThreshold, AlarmThresholds
    from .options import IngestOptions, ProcessorOptions, ProvisionedCapacity, QueueOptions, StorageOptions
    from .pipeline import ShipmentEventPipeline
    from .scaling import ScalingProfile
    from .stages.process import latest_python_runtime
    from .validation import PipelineValidationError, Problems

#: Public name -> the module that defines it.
_MODULE_OF = {
    "AlarmRouting": ".observe",
    "AlarmThreshold": ".observe",
    "AlarmThresholds": ".observe",
    "EventContract": ".contract",
    "IngestOptions": ".options",
    "PipelineValidationError": ".validation",
    "Problems": ".validation",
    "ProcessorOptions": ".options",
    "ProvisionedCapacity": ".options",
    "QueueOptions": ".options",
    "RecordHook": ".contract",
    "ResourceNames": ".naming",
    "ScalingProfile": ".scaling",
    "ShipmentEventPipeline": ".pipeline",
    "StorageOptions": ".options",
    "latest_python_runtime": ".stages.process",
}

__all__ = [
    "AlarmRouting",
    "AlarmThreshold",
    "AlarmThresholds",
    "EventContract",
    "IngestOptions",
    "PipelineValidationError",
    "Problems",
    "ProcessorOptions",
    "ProvisionedCapacity",
    "QueueOptions",
    "RecordHook",
    "ResourceNames",
    "ScalingProfile",
    "ShipmentEventPipeline",
    "StorageOptions",
    "latest_python_runtime",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
