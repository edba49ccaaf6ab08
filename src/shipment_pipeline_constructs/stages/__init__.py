"""The pipeline's stages, one module each, in data-flow order.

:mod:`.ingest` (bus, rule, archive) -> :mod:`.buffer` (queues) ->
:mod:`.process` (function, event source mapping) -> :mod:`.store` (tables,
backup plan). Each stage returns a frozen ``*Resources`` record of what it
created; the ``connect_*`` functions wire one stage to the next, and
:class:`~shipment_pipeline_constructs.ShipmentEventPipeline` only calls them in order.
"""
