"""AWS CDK constructs for a secure, observable, cost-aware shipment event pipeline.

Start with :class:`ShipmentEventPipeline`; its settings are grouped in
:class:`IngestOptions`, :class:`QueueOptions`, :class:`ProcessorOptions` and
:class:`StorageOptions`.
"""

from .jsii_env import quiet_jsii

# Before aws_cdk starts its jsii process: no Node.js banners, faster synthesis.
quiet_jsii()

from .naming import ResourceNames  # noqa: E402
from .options import IngestOptions, ProcessorOptions, ProvisionedCapacity, QueueOptions, StorageOptions  # noqa: E402
from .pipeline import ShipmentEventPipeline  # noqa: E402
from .validation import PipelineValidationError  # noqa: E402

__all__ = [
    "IngestOptions",
    "PipelineValidationError",
    "ProcessorOptions",
    "ProvisionedCapacity",
    "QueueOptions",
    "ResourceNames",
    "ShipmentEventPipeline",
    "StorageOptions",
]
