"""Baseline for the benchmark: the handler the seed's design implies. Not for use.

Written the way a seed-era engineer would: ``boto3.resource`` at import, one
conditional ``put_item`` after another, ``json.loads`` with the usual
``Decimal`` fix (the resource layer refuses floats), a presence check of the
required fields, a log line per record, and partial batch responses. It is
correct for valid input (first write wins) and only slow: one round trip per
record. Reads ``TABLE_NAME`` and ``TTL_DAYS`` from the environment.
"""

import json
import logging
import os
import time
from datetime import datetime, timezone
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(os.environ["TABLE_NAME"])
TTL_DAYS = int(os.environ.get("TTL_DAYS", "90"))
REQUIRED_FIELDS = ("shipment_id", "event_timestamp", "event_type")


def handler(event, context):
    """Store each record with a conditional put; report the records that failed."""
    batch_item_failures = []
    for record in event["Records"]:
        try:
            body = json.loads(record["body"], parse_float=Decimal)
            detail = body.get("detail", body)
            for field in REQUIRED_FIELDS:
                if field not in detail:
                    raise ValueError(f"Missing required field: {field}")
            table.put_item(
                Item={
                    "shipment_id": detail["shipment_id"],
                    "event_timestamp": detail["event_timestamp"],
                    "event_type": detail["event_type"],
                    "event_data": detail.get("event_data", {}),
                    "event_id": body.get("id", ""),
                    "source": body.get("source", ""),
                    "detail_type": body.get("detail-type", ""),
                    "processed_at": datetime.now(timezone.utc).isoformat(),
                    "expires_at": int(time.time()) + TTL_DAYS * 86400,
                },
                ConditionExpression="attribute_not_exists(shipment_id) AND attribute_not_exists(event_timestamp)",
            )
            logger.info(f"Stored event {detail['shipment_id']} at {detail['event_timestamp']}")
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                logger.info(f"Duplicate event skipped: {record['messageId']}")
            else:
                logger.error(f"DynamoDB error for {record['messageId']}: {e}")
                batch_item_failures.append({"itemIdentifier": record["messageId"]})
        except Exception as e:
            logger.error(f"Error processing record {record['messageId']}: {e}")
            batch_item_failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": batch_item_failures}
