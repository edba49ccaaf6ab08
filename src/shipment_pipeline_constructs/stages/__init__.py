"""The pipeline's stages, one module each, in data-flow order.

:mod:`.ingest` (bus, rule, archive) -> :mod:`.buffer` (queues) ->
:mod:`.process` (function, event source mapping) -> :mod:`.store` (tables).
:class:`~shipment_pipeline_constructs.ShipmentEventPipeline` only wires them.
"""
