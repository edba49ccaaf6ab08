"""Fixtures for the bundled Lambda handler's tests: the handler package on sys.path, moto-backed AWS."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

# moto must be imported before any botocore session exists: it hooks into
# the handlers every new session registers, which is how mock_aws intercepts.
from moto import mock_aws

# The handler is deployed from <repo>/lambda, not installed: import it from there.
LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))

from shipment_processor.config import Config  # noqa: E402
from shipment_processor.processor import BatchProcessor  # noqa: E402
from shipment_processor.store import MAX_CONCURRENT_WRITES, Store, create_clients  # noqa: E402
from tables import create_errors_table, create_events_table  # noqa: E402

from .shipment_factories import ENVIRONMENT, FIXED_NOW_NS, REGION, Pipeline  # noqa: E402


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process, with fake credentials so nothing can reach a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        yield


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
