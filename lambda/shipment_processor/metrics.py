"""CloudWatch Embedded Metric Format (EMF): one JSON document per batch, built by a pure function.

Lambda sends stdout to CloudWatch Logs and CloudWatch Logs extracts metrics
from EMF documents, so the counts cost no ``PutMetricData`` call and no
permission. The handler prints the document with ``print`` rather than
``logging``: Lambda's JSON log format would wrap a logged line in its own
JSON object, and CloudWatch only extracts EMF from a log event that *is* the
document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

__all__ = ["DIMENSION_NAME", "METRIC_NAMES", "emf_document"]

#: The one dimension every metric carries; its value is ``PIPELINE_NAME``.
DIMENSION_NAME = "Pipeline"
#: Per-batch counts, in the order the dashboard shows them.
METRIC_NAMES = ("Received", "Stored", "Duplicates", "Quarantined", "Retried", "Conflicts")


def emf_document(*, namespace: str, pipeline: str, counts: Mapping[str, int], timestamp_ms: int) -> str:
    """Return one EMF JSON document with a ``Count`` metric per name in :data:`METRIC_NAMES`.

    Example::

        emf_document(namespace="ShipmentPipeline", pipeline="prod",
                     counts={"Received": 10, "Stored": 9, "Duplicates": 1, "Quarantined": 0, "Retried": 0},
                     timestamp_ms=1_760_351_400_000)
    """
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [[DIMENSION_NAME]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in METRIC_NAMES],
                }
            ],
        },
        DIMENSION_NAME: pipeline,
    }
    for name in METRIC_NAMES:
        document[name] = counts.get(name, 0)
    return json.dumps(document, separators=(",", ":"))
