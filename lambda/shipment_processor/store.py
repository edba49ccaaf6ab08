"""The I/O layer: conditional event writes, error-record writes, dead-letter sends, and failure classification.

IAM actions used (and nothing else): ``dynamodb:PutItem`` on the events table
and on the errors table, ``dynamodb:DeleteItem`` on the errors table (to
settle the record written before a last receive), ``sqs:SendMessage`` on the
dead-letter queue.

Write strategy
    One conditional ``PutItem`` per event (``attribute_not_exists``), issued
    concurrently from a small thread pool that shares one low-level client.
    A batch of 10 then costs about one round trip of wall-clock time, keeps
    first-write-wins per item, costs 1 write unit per item, and needs no
    permission beyond ``PutItem``. ``TransactWriteItems`` is one request but
    2 write units per item, and one duplicate cancels the whole transaction,
    so a batch with a duplicate takes a second round trip; ``BatchWriteItem``
    has no conditions at all, so it would overwrite first writes. See
    ``bench/README.md`` for the measured numbers.

Clients
    Built once per execution environment (Lambda init) with short timeouts
    (a DynamoDB write normally takes milliseconds) and botocore's standard
    retry mode, so one slow or throttled call is retried with backoff and
    then reported as a batch item failure rather than eating the function
    timeout. :data:`WORST_CASE_CALL_SECONDS` bounds one call; the processor
    stops starting records when less than that is left of the invocation. Client-side parameter validation is off: it walks every
    attribute of every request (several percent of the handler's CPU), and the
    items come from tested code; a malformed one would come back from
    DynamoDB as a ``ValidationException``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Protocol

import botocore.session
from botocore.config import Config as ClientConfig
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from .config import Config

__all__ = [
    "ATTEMPT_SECONDS",
    "MAX_CONCURRENT_WRITES",
    "TRANSIENT_ERROR_CODES",
    "WORST_CASE_CALL_SECONDS",
    "Failure",
    "RecordWriter",
    "Store",
    "classify_failure",
    "create_clients",
    "error_code",
]

#: Writes in flight per invocation: the default SQS batch size, so a full
#: default batch is written in one round of requests.
MAX_CONCURRENT_WRITES = 10

#: Error codes that mean "try again later", not "this record is bad".
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
        "RequestThrottled",
        "KMSThrottlingException",
    }
)

_CONDITION_FAILED = "ConditionalCheckFailedException"
_FIRST_WRITE_WINS = "attribute_not_exists(shipment_id)"

_CONNECT_TIMEOUT_SECONDS = 2
_READ_TIMEOUT_SECONDS = 5
_MAX_ATTEMPTS = 3

#: The longest one attempt of a call waits before it gives up: connect plus read timeout.
ATTEMPT_SECONDS = _CONNECT_TIMEOUT_SECONDS + _READ_TIMEOUT_SECONDS
#: The longest one client call takes: every attempt hits both timeouts, and
#: standard mode waits before each retry at most 2**i s (i = 0, 1, ...: the
#: throttling backoff; other errors back off less). 3 x 7 + 1 + 2 = 24 s.
WORST_CASE_CALL_SECONDS = _MAX_ATTEMPTS * ATTEMPT_SECONDS + sum(2**i for i in range(_MAX_ATTEMPTS - 1))

_CLIENT_CONFIG = ClientConfig(
    connect_timeout=_CONNECT_TIMEOUT_SECONDS,
    read_timeout=_READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "max_attempts": _MAX_ATTEMPTS},
    max_pool_connections=MAX_CONCURRENT_WRITES,
    tcp_keepalive=True,
    parameter_validation=False,
)


class Failure(str, enum.Enum):
    """How a failed call should be handled."""

    #: Throttling, timeouts, 5xx: SQS retries the message.
    TRANSIENT = "transient"
    #: DynamoDB refused this very item (ValidationException): quarantine it.
    REJECTED = "rejected"
    #: Anything else, including bugs and permission errors: retry it, because
    #: the record itself may be fine and must not be lost.
    UNEXPECTED = "unexpected"


def classify_failure(error: BaseException) -> Failure:
    """Classify an exception raised while storing one record."""
    if isinstance(error, ClientError):
        code = error_code(error)
        if code == "ValidationException":
            return Failure.REJECTED
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in TRANSIENT_ERROR_CODES or status >= 500:
            return Failure.TRANSIENT
        return Failure.UNEXPECTED
    # ConnectionError covers connect and read timeouts and refused
    # connections; HTTPClientError covers dropped connections mid-response.
    if isinstance(error, (BotocoreConnectionError, HTTPClientError)):
        return Failure.TRANSIENT
    return Failure.UNEXPECTED


def error_code(error: BaseException) -> str:
    """The AWS error code of a ``ClientError``, else the exception's class name."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__


def create_clients(session: botocore.session.Session | None = None) -> tuple[Any, Any]:
    """Create the (DynamoDB, SQS) low-level clients from one botocore session (a new one by default).

    botocore alone is enough for low-level clients; skipping ``boto3``'s
    import and resource layer shortens the cold start. Tests pass a shared
    session, whose loader has the service models cached already.
    """
    session = session or botocore.session.get_session()
    return session.create_client("dynamodb", config=_CLIENT_CONFIG), session.create_client("sqs", config=_CLIENT_CONFIG)


class RecordWriter(Protocol):
    """The writes the processor makes: :class:`Store` in Lambda, an in-memory stand-in in tests."""

    def put_event(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Write an event unless its key exists; ``None`` if written, else the item already stored."""
        ...

    def put_error_record(self, item: Mapping[str, Any]) -> None:
        """Write one error record."""
        ...

    def delete_error_record(self, key: Mapping[str, Any]) -> None:
        """Delete one error record by its key."""
        ...

    def send_to_dead_letter_queue(self, body: str, attributes: Mapping[str, str]) -> None:
        """Send a copy of a quarantined message with string ``attributes`` saying why."""
        ...


class Store:
    """Writes to the events table, the errors table and the dead-letter queue.

    Safe to share between threads: botocore clients are thread-safe.
    """

    def __init__(self, *, dynamodb: Any, sqs: Any, config: Config) -> None:
        self._dynamodb = dynamodb
        self._sqs = sqs
        self._events_table = config.events_table_name
        self._errors_table = config.errors_table_name
        self._quarantine_queue_url = config.quarantine_destination

    def put_event(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Write an event unless its (shipment_id, event_timestamp) exists.

        Returns ``None`` if written, else the item already stored under that
        key (wire format), which the failed condition returns with no extra
        read (``ReturnValuesOnConditionCheckFailure=ALL_OLD``); an empty
        mapping if the response carried none.
        """
        try:
            self._dynamodb.put_item(
                TableName=self._events_table,
                Item=item,
                ConditionExpression=_FIRST_WRITE_WINS,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) == _CONDITION_FAILED:
                stored = error.response.get("Item")  # DynamoDB's ALL_OLD item; botocore's error type omits it
                return stored if isinstance(stored, Mapping) and stored else {}
            raise
        return None

    def put_error_record(self, item: Mapping[str, Any]) -> None:
        """Write one error record (replacing any record with the same key)."""
        self._dynamodb.put_item(TableName=self._errors_table, Item=item)

    def delete_error_record(self, key: Mapping[str, Any]) -> None:
        """Delete one error record by its key (``error_date``, ``error_id``, wire format)."""
        self._dynamodb.delete_item(TableName=self._errors_table, Key=key)

    def send_to_dead_letter_queue(self, body: str, attributes: Mapping[str, str]) -> None:
        """Send a copy of a quarantined message, body unchanged, with string ``attributes`` saying why.

        It goes to the quarantine queue (``QUARANTINE_QUEUE_URL``), or to the DLQ for a function
        configured before that queue existed.
        """
        self._sqs.send_message(
            QueueUrl=self._quarantine_queue_url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
            },
        )
