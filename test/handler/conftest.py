"""Fixtures for the bundled Lambda handler's tests: the pipeline's tables and queue in moto, and a processor on them."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import fake_aws  # puts the handler on sys.path (sorted before shipment_processor)
import pytest
from shipment_processor.config import Config
from shipment_processor.processor import BatchProcessor
from shipment_processor.store import MAX_CONCURRENT_WRITES, Store, create_clients
from tables import create_errors_table, create_events_table

from .shipment_factories import ENVIRONMENT, FIXED_NOW_NS, Pipeline

# The shared fake-AWS fixtures, registered for this folder.
aws_env = fake_aws.aws_env
aws_environment = fake_aws.aws_environment


@pytest.fixture(scope="session")
def botocore_session() -> Any:
    """One botocore session for every test: it loads each service model once."""
    import botocore.session

    return botocore.session.get_session()


@pytest.fixture
def pipeline(aws_environment: None, botocore_session: Any) -> Iterator[Pipeline]:
    """The tables and queue the construct creates (same keys and index), and a processor using them."""
    dynamodb, sqs = create_clients(botocore_session)
    queue_url = sqs.create_queue(QueueName="shipment-dlq-test")["QueueUrl"]
    config = Config(
        events_table_name=ENVIRONMENT["EVENTS_TABLE_NAME"],
        errors_table_name=ENVIRONMENT["ERRORS_TABLE_NAME"],
        dead_letter_queue_url=queue_url,
        ttl_days=90,
        max_receive_count=5,
        metrics_namespace=ENVIRONMENT["METRICS_NAMESPACE"],
        pipeline_name=ENVIRONMENT["PIPELINE_NAME"],
    )
    _create_tables(dynamodb, config)
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_WRITES) as executor:
        yield Pipeline(
            config=config,
            dynamodb=dynamodb,
            sqs=sqs,
            processor=BatchProcessor(
                store=Store(dynamodb=dynamodb, sqs=sqs, config=config),
                config=config,
                executor=executor,
                clock=lambda: FIXED_NOW_NS,
            ),
        )


def _create_tables(dynamodb: Any, config: Config) -> None:
    create_events_table(dynamodb, config.events_table_name)
    create_errors_table(dynamodb, config.errors_table_name)
