"""Lambda entry point (``shipment_processor.app.handler``): composes config, store, processor and metrics.

Everything expensive happens once per execution environment, at import
(Lambda init): reading the environment and the event contract (with its
validator and record hook, if any: see :mod:`shipment_processor.contract`),
creating the botocore clients and the writer thread pool (its threads start
on first use and then stay). A bad environment or contract fails here,
before any message is touched.

Per invocation the handler processes the batch (starting no record once
too little of the function timeout is left, see
:mod:`shipment_processor.processor`), prints one EMF document
(the batch's counts), logs one summary line, and returns the partial batch
response. Logs go through stdlib ``logging``; with the function's JSON log
format Lambda renders each ``extra=`` field as a JSON key, and the runtime
sets the level from ``AWS_LAMBDA_LOG_LEVEL``.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import config as _config
from .contract import asset_root, load_contract
from .metrics import emf_document
from .processor import BatchProcessor
from .store import MAX_CONCURRENT_WRITES, Store, create_clients

__all__ = ["handler"]

logger = logging.getLogger(__name__)

CONFIG = _config.load(os.environ)
CONTRACT = load_contract(asset_root())
_dynamodb, _sqs = create_clients()
_processor = BatchProcessor(
    store=Store(dynamodb=_dynamodb, sqs=_sqs, config=CONFIG),
    config=CONFIG,
    executor=ThreadPoolExecutor(max_workers=MAX_CONCURRENT_WRITES, thread_name_prefix="writer"),
    contract=CONTRACT,
)


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Process one SQS batch and return ``{"batchItemFailures": [...]}`` for the records SQS should retry."""
    # Bounds the batch by the function timeout; a test or local call may pass no context.
    result = _processor.process(
        event.get("Records") or [], remaining_ms=getattr(context, "get_remaining_time_in_millis", None)
    )
    counts = result.counts()
    print(
        emf_document(
            namespace=CONFIG.metrics_namespace,
            pipeline=CONFIG.pipeline_name,
            counts=counts,
            timestamp_ms=time.time_ns() // 1_000_000,
        ),
        flush=True,
    )
    logger.info("batch processed", extra={name.lower(): count for name, count in counts.items()})
    return result.response()
