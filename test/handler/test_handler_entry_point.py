"""The Lambda entry point ``shipment_processor.app.handler``: init from the environment, EMF, logs, response."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from shipment_processor.config import ConfigurationError
from shipment_processor.metrics import METRIC_NAMES

from .log_fields import log_fields
from .shipment_factories import ENVIRONMENT, FakeClock, FakeContext, Pipeline, body, detail, record


def _fresh_import() -> ModuleType:
    """Import the entry point as Lambda's init does: a new module, reading the environment now."""
    sys.modules.pop("shipment_processor.app", None)
    return importlib.import_module("shipment_processor.app")


@pytest.fixture
def app(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The entry point, initialised with the environment the construct sets, against moto."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", pipeline.config.dead_letter_queue_url)
    yield _fresh_import()
    sys.modules.pop("shipment_processor.app", None)


def test_handler_processes_a_batch_and_reports_it(
    app: ModuleType, pipeline: Pipeline, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a batch: a new event, the same event again, and garbage
    records = [record(body()), record(body()), record("not json")]

    # WHEN Lambda invokes the handler
    with caplog.at_level(logging.INFO):
        response = app.handler({"Records": records}, None)

    # THEN nothing is retried, and the table holds the one event
    assert response == {"batchItemFailures": []}
    assert len(pipeline.events()) == 1

    # AND one EMF document on stdout carries the batch's counts
    (line,) = capsys.readouterr().out.splitlines()
    document = json.loads(line)
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == ENVIRONMENT["METRICS_NAMESPACE"]
    assert document["Pipeline"] == ENVIRONMENT["PIPELINE_NAME"]
    assert {name: document[name] for name in METRIC_NAMES} == {
        "Received": 3,
        "Stored": 1,
        "Duplicates": 1,
        "Quarantined": 1,
        "Retried": 0,
        "Conflicts": 0,
    }

    # AND one summary log line carries them as structured fields
    (summary,) = [r for r in caplog.records if r.getMessage() == "batch processed"]
    assert log_fields(summary, "received", "stored", "duplicates", "quarantined", "retried") == (
        3,
        1,
        1,
        1,
        0,
    )


def test_handler_reads_the_deadline_from_the_lambda_context(
    app: ModuleType,
    pipeline: Pipeline,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN an invocation with no time left (against moto)
    records = [record(body(detail(shipment_id=s))) for s in ("SHP-1", "SHP-2")]
    context = FakeContext(FakeClock(), 0)

    # WHEN Lambda invokes the handler with its context
    with caplog.at_level(logging.INFO):
        response = app.handler({"Records": records}, context)

    # THEN both records are reported for retry untouched, counted as Retried in EMF, and deferred in one log line
    assert response == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
    assert pipeline.events() == [] and pipeline.errors() == []
    (line,) = capsys.readouterr().out.splitlines()
    document = json.loads(line)
    assert {name: document[name] for name in METRIC_NAMES} == {
        "Received": 2,
        "Stored": 0,
        "Duplicates": 0,
        "Quarantined": 0,
        "Retried": 2,
        "Conflicts": 0,
    }
    (deferred,) = [r for r in caplog.records if r.getMessage().startswith("records deferred")]
    assert log_fields(deferred, "deferred", "remaining_ms") == (2, 0)

    # AND with a full timeout ahead the same handler stores them
    assert app.handler({"Records": records}, FakeContext(FakeClock(), 60_000)) == {"batchItemFailures": []}
    assert len(pipeline.events()) == 2


def test_handler_accepts_an_empty_batch(app: ModuleType) -> None:
    # GIVEN / WHEN / THEN a test invocation without records is a no-op
    assert app.handler({}, None) == {"batchItemFailures": []}


def test_handler_refuses_an_event_that_is_not_an_sqs_batch(app: ModuleType) -> None:
    # GIVEN a record without messageId (no partial batch response could name it)
    event = {"Records": [{"body": body(detail())}]}

    # WHEN / THEN the invocation fails as a whole, so Lambda retries it
    with pytest.raises(ValueError, match="no messageId"):
        app.handler(event, None)


def test_init_fails_fast_on_a_bad_environment(aws_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a function whose environment lacks the table names
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EVENTS_TABLE_NAME")
    monkeypatch.delenv("DEAD_LETTER_QUEUE_URL", raising=False)
    monkeypatch.delenv("QUARANTINE_QUEUE_URL", raising=False)

    # WHEN / THEN init fails, naming every missing variable
    with pytest.raises(ConfigurationError, match=r"EVENTS_TABLE_NAME.*QUARANTINE_QUEUE_URL"):
        _fresh_import()
    sys.modules.pop("shipment_processor.app", None)
