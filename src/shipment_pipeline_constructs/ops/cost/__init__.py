"""Monthly cost model of one pipeline, itemized per service and priced from ``prices.json``.

Three jobs, one module each: :mod:`.inputs` (the :class:`Workload` and the
deployed :class:`PipelineConfig`, from the construct's options, a scaling
profile or a synthesized template), :mod:`.pricing` (:func:`estimate`: one
function per service, every line with its quantity and unit price so the
arithmetic can be checked by hand) and :mod:`.render` (the text view).

Example::

    from shipment_pipeline_constructs.ops.cost import PipelineConfig, Workload, estimate, format_estimate

    print(format_estimate(estimate(Workload(events_per_day=300_000), PipelineConfig())))
"""

from .inputs import PipelineConfig, Workload
from .pricing import CostEstimate, CostLine, estimate, load_prices, messages_per_invocation
from .render import format_estimate

__all__ = [
    "CostEstimate",
    "CostLine",
    "PipelineConfig",
    "Workload",
    "estimate",
    "format_estimate",
    "load_prices",
    "messages_per_invocation",
]
