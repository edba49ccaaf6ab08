"""Unit tests for item shaping, configuration, EMF documents and failure classification (pure functions)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from shipment_processor.config import ENVIRONMENT_VARIABLES, ConfigurationError, load
from shipment_processor.events import ShipmentEvent, parse_event
from shipment_processor.items import MAX_RAW_BODY_BYTES, error_item, event_item, to_attribute_value
from shipment_processor.metrics import METRIC_NAMES, emf_document
from shipment_processor.store import Failure, classify_failure, error_code

from .shipment_factories import ENVIRONMENT, body, detail

# --- items -------------------------------------------------------------------


def test_event_item_uses_dynamodb_types() -> None:
    # GIVEN a replayed event with nested data of every JSON type
    event = parse_event(
        body(
            detail(event_data={"w": 1.5, "n": 3, "ok": True, "none": None, "tags": ["a", {"b": ""}]}),
            **{"replay-name": "replay-1"},
        )
    )
    assert isinstance(event, ShipmentEvent)

    # WHEN it is shaped into an item
    item = event_item(
        event, received_at="2025-10-13T10:31:00.000000000Z", expires_at=1_768_127_460, content_sha256="ab" * 32
    )

    # THEN event_data is a map (not a JSON string), every attribute has its DynamoDB type, and the
    # item holds exactly these attributes (what existing tables hold, plus the content fingerprint)
    assert item == {
        "shipment_id": {"S": "SHP-12345"},
        "event_timestamp": {"S": "2025-10-13T10:30:00.000000000Z"},
        "event_type": {"S": "created"},
        "event_id": {"S": "6a7e8feb-b491-4cf7-a9f1-bf3703467718"},
        "source": {"S": "shipment.service"},
        "detail_type": {"S": "shipment.created"},
        "received_at": {"S": "2025-10-13T10:31:00.000000000Z"},
        "expires_at": {"N": "1768127460"},
        "content_sha256": {"S": "ab" * 32},
        "replay_name": {"S": "replay-1"},
        "event_data": {
            "M": {
                "w": {"N": "1.5"},
                "n": {"N": "3"},
                "ok": {"BOOL": True},
                "none": {"NULL": True},
                "tags": {"L": [{"S": "a"}, {"M": {"b": {"S": ""}}}]},
            }
        },
    }


def test_event_item_omits_absent_optional_attributes() -> None:
    # GIVEN an event without data that is not a replay
    event = parse_event(body(detail(event_data=...)))
    assert isinstance(event, ShipmentEvent)

    # WHEN / THEN the item has no event_data and no replay_name
    item = event_item(event, received_at="2025-10-13T10:31:00.000000000Z", expires_at=1, content_sha256="")
    assert "event_data" not in item and "replay_name" not in item


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, {"BOOL": True}),
        (False, {"BOOL": False}),
        (0, {"N": "0"}),
        (-7, {"N": "-7"}),
        (Decimal("1E+5"), {"N": "1E+5"}),
        (Decimal("-0.000"), {"N": "-0.000"}),
        ("", {"S": ""}),
        (None, {"NULL": True}),
        ([], {"L": []}),
        ({}, {"M": {}}),
    ],
)
def test_to_attribute_value(value: object, expected: dict[str, object]) -> None:
    # GIVEN / WHEN / THEN booleans stay booleans (bool is an int subclass) and numbers are exact strings
    assert to_attribute_value(value) == expected


def test_to_attribute_value_refuses_non_json() -> None:
    # GIVEN / WHEN / THEN a binary float never reaches DynamoDB
    with pytest.raises(TypeError):
        to_attribute_value(0.1)


def _error_item(**fields: Any) -> dict[str, Any]:
    """An error record for a quarantined invalid-JSON message, with ``fields`` overridden."""
    defaults: dict[str, Any] = {
        "message_id": "m-1",
        "recorded_at": "2025-10-13T10:31:00.000000000Z",
        "expires_at": 1_768_127_460,
        "disposition": "quarantined",
        "error_type": "invalid_json",
        "error_message": "body is not valid JSON",
        "raw_body": "{}",
        "receive_count": 1,
    }
    return error_item(**(defaults | fields))


def test_error_item_keys_and_sparse_shipment_id() -> None:
    # GIVEN a quarantined message whose shipment id is unknown
    item = _error_item(message_id="m-1", raw_body="{oops")

    # THEN the day partition and time-ordered id are set, and no shipment_id (sparse index)
    assert item["error_date"] == {"S": "2025-10-13"}
    assert item["error_id"] == {"S": "2025-10-13T10:31:00.000000000Z#m-1"}
    assert item["raw_body"] == {"S": "{oops"}
    assert item["raw_body_truncated"] == {"BOOL": False}
    assert item["receive_count"] == {"N": "1"}
    assert item["expires_at"] == {"N": "1768127460"}
    assert "shipment_id" not in item and "event_id" not in item


def test_error_item_truncates_huge_bodies_on_a_character_boundary() -> None:
    # GIVEN a body of 2-byte characters, longer than the kept prefix
    raw = "é" * MAX_RAW_BODY_BYTES

    # WHEN it is kept in an error record
    item = _error_item(raw_body=raw, shipment_id="SHP-1")

    # THEN it is cut to the limit, whole characters only, and says so
    kept = item["raw_body"]["S"]
    assert len(kept.encode()) <= MAX_RAW_BODY_BYTES and set(kept) == {"é"}
    assert item["raw_body_bytes"] == {"N": str(2 * MAX_RAW_BODY_BYTES)}
    assert item["raw_body_truncated"] == {"BOOL": True}
    assert item["shipment_id"] == {"S": "SHP-1"}


def test_error_item_survives_unpaired_surrogates() -> None:
    # GIVEN text that UTF-8 cannot encode  WHEN kept in an error record
    item = _error_item(error_message="bad \ud800", raw_body='{"a": "\ud800"}')

    # THEN every string in the item is encodable, and neither field is dropped: the message shows the
    # surrogate escaped, the raw body replaces it (the unchanged body is kept in the DLQ)
    for value in item.values():
        if "S" in value:
            value["S"].encode("utf-8")
    assert item["error_message"]["S"] == "bad \\ud800"
    assert item["raw_body"]["S"] == '{"a": "?"}'


# --- config ------------------------------------------------------------------


def test_load_reads_every_variable() -> None:
    # GIVEN the construct's environment
    environ = {**ENVIRONMENT, "DEAD_LETTER_QUEUE_URL": "https://sqs.example/dlq"}

    # WHEN it is loaded
    config = load(environ)

    # THEN every setting is typed
    assert config.events_table_name == "shipment-events-test"
    assert config.dead_letter_queue_url == "https://sqs.example/dlq"
    assert (config.ttl_days, config.ttl_seconds, config.max_receive_count) == (90, 90 * 86_400, 5)
    assert (config.metrics_namespace, config.pipeline_name) == ("ShipmentPipelineTest", "test")
    assert config.on_conflict == "record"


@pytest.mark.parametrize(("value", "expected"), [("quarantine", "quarantine"), ("record", "record"), (None, "record")])
def test_on_conflict_is_record_unless_set_to_quarantine(value: str | None, expected: str) -> None:
    # GIVEN ON_CONFLICT set to either value, or not set (a function deployed before it existed)
    environ = {**ENVIRONMENT, "DEAD_LETTER_QUEUE_URL": "u", "ON_CONFLICT": value}
    if value is None:
        del environ["ON_CONFLICT"]

    # WHEN / THEN it is read, "record" by default
    assert load(environ).on_conflict == expected  # type: ignore[arg-type]


def test_an_unknown_on_conflict_fails_init_naming_the_choices() -> None:
    # GIVEN / WHEN / THEN a value that is neither choice is a deployment bug, reported at init
    with pytest.raises(ConfigurationError, match="ON_CONFLICT must be one of record, quarantine, got 'ignore'"):
        load({**ENVIRONMENT, "DEAD_LETTER_QUEUE_URL": "u", "ON_CONFLICT": "ignore"})


def test_load_reads_exactly_the_declared_variables() -> None:
    # GIVEN an environment that records what is read
    class Recording(dict[str, str]):
        def __init__(self, values: dict[str, str]) -> None:
            super().__init__(values)
            self.read: set[str] = set()

        def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
            self.read.add(key)
            return super().get(key, default)

    environ = Recording({**ENVIRONMENT, "DEAD_LETTER_QUEUE_URL": "u", "UNRELATED": "x"})

    # WHEN it is loaded  THEN exactly ENVIRONMENT_VARIABLES were read (the construct sets these)
    load(environ)
    assert environ.read == set(ENVIRONMENT_VARIABLES)


def test_load_reports_every_problem_at_once() -> None:
    # GIVEN an environment with a missing table, a bad TTL and a zero receive count
    environ = {**ENVIRONMENT, "DEAD_LETTER_QUEUE_URL": "u", "TTL_DAYS": "ninety", "MAX_RECEIVE_COUNT": "0"}
    del environ["EVENTS_TABLE_NAME"]

    # WHEN / THEN one error names all three
    with pytest.raises(ConfigurationError) as raised:
        load(environ)
    message = str(raised.value)
    assert "EVENTS_TABLE_NAME is not set" in message
    assert "TTL_DAYS must be a whole number >= 1, got 'ninety'" in message
    assert "MAX_RECEIVE_COUNT must be a whole number >= 1, got '0'" in message


# --- metrics -----------------------------------------------------------------


def test_emf_document() -> None:
    # GIVEN one batch's counts
    counts = {"Received": 10, "Stored": 7, "Duplicates": 1, "Quarantined": 1, "Retried": 0, "Conflicts": 1}

    # WHEN the EMF document is built
    document = json.loads(
        emf_document(namespace="ShipmentPipeline", pipeline="prod", counts=counts, timestamp_ms=1_760_351_400_000)
    )

    # THEN CloudWatch finds one Count metric per name with the Pipeline dimension, and their values
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert document["_aws"]["Timestamp"] == 1_760_351_400_000
    assert directive["Namespace"] == "ShipmentPipeline"
    assert directive["Dimensions"] == [["Pipeline"]]
    assert [metric["Name"] for metric in directive["Metrics"]] == list(METRIC_NAMES)
    assert {metric["Unit"] for metric in directive["Metrics"]} == {"Count"}
    assert document["Pipeline"] == "prod"
    assert {name: document[name] for name in METRIC_NAMES} == counts


# --- failure classification --------------------------------------------------


def _client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},  # type: ignore[typeddict-item]  # botocore-stubs want every ResponseMetadata key; botocore needs none
        "PutItem",
    )


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (_client_error("ProvisionedThroughputExceededException"), Failure.TRANSIENT),
        (_client_error("ThrottlingException"), Failure.TRANSIENT),
        (_client_error("RequestLimitExceeded"), Failure.TRANSIENT),
        (_client_error("InternalServerError", 500), Failure.TRANSIENT),
        (_client_error("ServiceUnavailable", 503), Failure.TRANSIENT),
        (_client_error("TransactionConflictException"), Failure.TRANSIENT),
        (_client_error("SomethingNew", 502), Failure.TRANSIENT),
        (_client_error("ValidationException"), Failure.REJECTED),
        (_client_error("AccessDeniedException"), Failure.UNEXPECTED),
        (_client_error("ResourceNotFoundException"), Failure.UNEXPECTED),
        (ReadTimeoutError(endpoint_url="https://dynamodb"), Failure.TRANSIENT),
        (ConnectTimeoutError(endpoint_url="https://dynamodb"), Failure.TRANSIENT),
        (EndpointConnectionError(endpoint_url="https://dynamodb"), Failure.TRANSIENT),
        (ConnectionClosedError(endpoint_url="https://dynamodb"), Failure.TRANSIENT),
        (ParamValidationError(report="bad"), Failure.UNEXPECTED),
        (KeyError("bug"), Failure.UNEXPECTED),
    ],
)
def test_classify_failure(error: Exception, failure: Failure) -> None:
    # GIVEN / WHEN / THEN throttling and timeouts retry, a refused item is quarantined, anything else retries
    assert classify_failure(error) is failure


def test_error_code() -> None:
    # GIVEN / WHEN / THEN the AWS code for client errors, the class name otherwise
    assert error_code(_client_error("ThrottlingException")) == "ThrottlingException"
    assert error_code(ReadTimeoutError(endpoint_url="u")) == "ReadTimeoutError"
