"""The pipeline's two tables, created in an emulator with the key schema the construct gives them.

One definition for the benchmark and the tests (through ``test/tables.py``):
it lives here because the benchmark must not import test code, and the
tests may import a benchmark helper (``test/bench`` does already). Keys come
from :mod:`shipment_pipeline_constructs.defaults`, as in ``stages/store.py``.
"""

from __future__ import annotations

from typing import Any

from shipment_pipeline_constructs import defaults


def create_events_table(dynamodb: Any, name: str) -> None:
    """The events table: one item per (shipment id, canonical event timestamp)."""
    _create(dynamodb, name, defaults.EVENTS_PARTITION_KEY, defaults.EVENTS_SORT_KEY)


def create_errors_table(dynamodb: Any, name: str) -> None:
    """The error-records table: day partition, time-ordered id, sparse by-shipment index."""
    _create(
        dynamodb,
        name,
        defaults.ERRORS_PARTITION_KEY,
        defaults.ERRORS_SORT_KEY,
        indexed=(defaults.EVENTS_PARTITION_KEY,),
        GlobalSecondaryIndexes=[
            {
                "IndexName": defaults.ERRORS_BY_SHIPMENT_INDEX,
                "KeySchema": [
                    {"AttributeName": defaults.EVENTS_PARTITION_KEY, "KeyType": "HASH"},
                    {"AttributeName": defaults.ERRORS_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def _create(dynamodb: Any, name: str, partition_key: str, sort_key: str, indexed: tuple = (), **extra: Any) -> None:
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": partition_key, "KeyType": "HASH"},
            {"AttributeName": sort_key, "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": "S"} for attribute in (partition_key, sort_key, *indexed)
        ],
        **extra,
    )
