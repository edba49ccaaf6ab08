"""The benchmark's minimal DynamoDB endpoint (bench/dynamodb_endpoint.py) speaks DynamoDB to a real botocore client.

It runs as the benchmark runs it: a child process that prints its URL, takes
a new delay on standard input, and stops when standard input closes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

ENDPOINT = Path(__file__).resolve().parents[2] / "bench" / "dynamodb_endpoint.py"
ITEM = {
    "shipment_id": {"S": "SHP-00001"},
    "event_timestamp": {"S": "2025-10-13T10:30:00.000000000Z"},
    "event_data": {"M": {"weight_kg": {"N": "1.5"}, "carrier": {"S": "FedEx"}}},
}


@pytest.fixture
def dynamodb() -> Iterator[DynamoDBClient]:
    """A botocore DynamoDB client on a fresh endpoint (no added delay) holding one table; the endpoint stops after."""
    child = subprocess.Popen(
        [sys.executable, str(ENDPOINT), "--delay-ms", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    stdin, stdout = child.stdin, child.stdout
    assert stdin is not None and stdout is not None  # both are pipes (above)
    try:
        url = json.loads(stdout.readline())["endpoint"]
        assert url.startswith("http://127.0.0.1:")
        client: DynamoDBClient = botocore.session.get_session().create_client(  # type: ignore[assignment]  # botocore-stubs type create_client as BaseClient
            "dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        client.create_table(
            TableName="events",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "shipment_id", "KeyType": "HASH"},
                {"AttributeName": "event_timestamp", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "shipment_id", "AttributeType": "S"},
                {"AttributeName": "event_timestamp", "AttributeType": "S"},
            ],
        )
        yield client
        stdin.write("5\n")  # the delay can change while it runs
        stdin.flush()
        assert json.loads(stdout.readline()) == {"delay_ms": 5.0}
    finally:
        stdin.close()  # stops the server
        assert child.wait(timeout=5) == 0


def test_conditional_put_first_write_wins_then_scan(dynamodb: Any) -> None:
    condition = "attribute_not_exists(shipment_id)"
    first = dynamodb.put_item(TableName="events", Item=ITEM, ConditionExpression=condition)
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert set(first) == {"ResponseMetadata"}  # PutItem without ReturnValues: an empty object

    with pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName="events", Item=ITEM | {"event_type": {"S": "late"}}, ConditionExpression=condition)
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert isinstance(raised.value, dynamodb.exceptions.ConditionalCheckFailedException)

    scan = dynamodb.scan(TableName="events")
    assert scan["Items"] == [ITEM]  # the first write, unchanged
    assert scan["Count"] == 1


def test_transaction_is_cancelled_with_a_reason_per_item(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="events", Item=ITEM)
    new = ITEM | {"event_timestamp": {"S": "2025-10-13T10:31:00.000000000Z"}}
    condition = {"ConditionExpression": "attribute_not_exists(#id)", "ExpressionAttributeNames": {"#id": "shipment_id"}}
    puts = [{"Put": {"TableName": "events", "Item": item, **condition}} for item in (new, ITEM)]
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=puts)
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = raised.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert dynamodb.scan(TableName="events")["Count"] == 1  # all or nothing

    dynamodb.transact_write_items(TransactItems=puts[:1])
    assert dynamodb.scan(TableName="events")["Count"] == 2


def test_failed_condition_returns_the_stored_item_when_asked_and_delete_removes_it(dynamodb: Any) -> None:
    # GIVEN a stored item
    condition = "attribute_not_exists(shipment_id)"
    dynamodb.put_item(TableName="events", Item=ITEM, ConditionExpression=condition)

    # WHEN a second write under its key asks for ALL_OLD  THEN the error carries the stored item, as DynamoDB's does
    with pytest.raises(ClientError) as raised:
        dynamodb.put_item(
            TableName="events",
            Item=ITEM | {"event_type": {"S": "late"}},
            ConditionExpression=condition,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert raised.value.response.get("Item") == ITEM

    # AND a delete by key removes it
    key = {name: ITEM[name] for name in ("shipment_id", "event_timestamp")}
    dynamodb.delete_item(TableName="events", Key=key)
    assert dynamodb.scan(TableName="events")["Count"] == 0
