"""Day-2 operations on a deployed pipeline, with boto3: the engine of the operator CLI.

One small module per job, each usable from Python as well as from
``shipment-pipeline``:

- :mod:`.aws`: sessions and clients (region, profile, endpoint), and AWS
  errors turned into messages that say how to fix them.
- :mod:`.resources`: find a pipeline's resources from a stack (through
  :mod:`..template_reader`), a suffix or explicit names.
- :mod:`.send`, :mod:`.status`, :mod:`.errors`, :mod:`.redrive`,
  :mod:`.replay`, :mod:`.consumption` (pause and resume): the operations.
- :mod:`.cost`: the monthly cost model (inputs, pricing, rendering), priced from ``prices.json``.
- :mod:`.times`, :mod:`.progress`: times as operators type them, a progress bar.
- :mod:`.batching`: batches under an API's per-call entry and byte limits.

Each operation takes boto3 clients (or a :class:`Connection`), so tests run
it against moto and scripts against any endpoint.
"""

from .aws import Connection, OperationError
from .resources import PipelineResources

__all__ = ["Connection", "OperationError", "PipelineResources"]
