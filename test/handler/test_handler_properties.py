"""Property tests: for arbitrary bodies and failures the processor never raises and accounts for every message once."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shipment_processor.events import Reason, ShipmentEvent, parse_event
from shipment_processor.processor import (
    DEADLINE_EXCEEDED,
    INVOCATION_FAILED_ON_LAST_RECEIVE,
    BatchProcessor,
    Outcome,
)

from .memory_store import InvocationDied, MemoryStore
from .shipment_factories import CONFIG, FIXED_NOW_NS, FakeClock, FakeContext, Pipeline, envelope, record

# Bodies: arbitrary text, arbitrary JSON, and envelopes whose every field may be valid, wrong or missing.
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_MISSING = object()


def _field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, valid, _json, st.just(_MISSING))


_details = st.fixed_dictionaries(
    {
        "shipment_id": _field(st.sampled_from(["SHP-1", "SHP-2", "SHP-é"])),
        # The same instants written several ways, so duplicates happen within and across batches.
        "event_timestamp": _field(
            st.sampled_from(
                [
                    "2025-10-13T10:30:00Z",
                    "2025-10-13T12:30:00+02:00",
                    "2025-10-13T10:30:00.000Z",
                    "2025-10-13T10:31:00Z",
                ]
            )
        ),
        "event_type": _field(st.sampled_from(["created", "delivered"])),
        "event_data": _field(st.dictionaries(st.text(min_size=1, max_size=8), _json, max_size=4)),
    }
)
_envelopes = st.builds(
    lambda detail, extra: json.dumps(envelope({k: v for k, v in detail.items() if v is not _MISSING}, **extra)),
    _details,
    st.fixed_dictionaries({}, optional={"replay-name": st.text(max_size=10), "id": _json, "detail": _json}),
)
_bodies = st.one_of(st.text(max_size=60), _json.map(json.dumps), _envelopes, _envelopes)
_records = st.lists(st.tuples(_bodies, st.integers(min_value=1, max_value=6)), min_size=0, max_size=10)
_faults = st.lists(
    st.sampled_from([None, None, None, "throttled", "timeout", "bug", "refused"]), min_size=1, max_size=30
)
# No deadline (no context), or a function timeout and how long each store call takes, in ms.
_deadlines = st.none() | st.tuples(st.sampled_from([0, 1_000, 30_000, 60_000]), st.integers(0, 30_000))


@settings(deadline=None)
@given(batches=st.lists(_records, min_size=1, max_size=3), faults=_faults, deadline=_deadlines)
def test_every_message_is_accounted_for_exactly_once(
    batches: list[list[tuple[str, int]]], faults: list[str | None], deadline: tuple[int, int] | None
) -> None:
    # GIVEN arbitrary bodies, some on their last receive, a store that fails some calls, and
    # perhaps an invocation deadline with calls slow enough to reach it
    clock = FakeClock()
    call_ms = deadline[1] if deadline else 0
    store = MemoryStore(clock, lambda operation, item: call_ms, faults=itertools.cycle(faults))
    processor = BatchProcessor(store=store, config=CONFIG, executor=None, clock=lambda: FIXED_NOW_NS)

    for batch in batches:
        records = [record(message_body, receive_count=count) for message_body, count in batch]
        remaining = FakeContext(clock, deadline[0]).get_remaining_time_in_millis if deadline else None

        # WHEN the batch is processed (it must not raise)
        result = processor.process(records, remaining_ms=remaining)

        # THEN every record has exactly one outcome, and the counts add up
        ids = [r["messageId"] for r in records]
        assert list(result.message_ids) == ids
        counts = result.counts()
        assert counts["Received"] == len(records) == sum(counts[outcome.value] for outcome in Outcome)

        # AND exactly the retried records are reported to SQS, each once, never with an empty id
        failures = [failure["itemIdentifier"] for failure in result.response()["batchItemFailures"]]
        assert failures == [i for i, outcome in zip(ids, result.outcomes, strict=True) if outcome is Outcome.RETRIED]
        assert all(failures) and len(set(failures)) == len(failures)

        # AND nothing SQS deletes is lost: stored events exist, quarantined ones have a record and a copy,
        # conflicts have a record naming both fingerprints (message ids are unique across batches)
        errors = store.errors
        for (message_body, count), message_id, outcome in zip(batch, ids, result.outcomes, strict=True):
            parsed = parse_event(message_body)
            own = [e for e in errors if e["message_id"]["S"] == message_id]
            copies = [b for b, attributes in store.dead_letters if attributes["source_message_id"] == message_id]
            if outcome in (Outcome.STORED, Outcome.DUPLICATE):
                assert isinstance(parsed, ShipmentEvent)
                assert (parsed.shipment_id, parsed.event_timestamp) in store.events
                # the record opened before a last receive is gone, unless deleting it failed
                if own:
                    assert count >= CONFIG.max_receive_count
                    assert ("delete_error_record", message_id) in store.calls
            elif outcome is Outcome.QUARANTINED:
                assert not isinstance(parsed, ShipmentEvent) or parsed.event_id in store.refused_event_ids
                assert [e for e in own if e["disposition"]["S"] == "quarantined"]
                assert copies == ([message_body] if message_body else [])
            elif outcome is Outcome.CONFLICT:
                assert isinstance(parsed, ShipmentEvent)
                stored = store.events[(parsed.shipment_id, parsed.event_timestamp)]
                (conflict,) = [e for e in own if e["error_type"]["S"] == Reason.CONFLICT.value]
                assert conflict["stored_content_sha256"] == stored["content_sha256"] != conflict["content_sha256"]
                assert conflict["disposition"]["S"] == "recorded" and copies == []
            # AND a retried record on its last receive has a record explaining its dead-letter copy,
            # unless the store failed every attempt to write one
            if outcome is Outcome.RETRIED and count >= CONFIG.max_receive_count and own == []:
                assert [c for c in store.calls if c == ("put_error_record", message_id)] or deadline is not None
            # AND a failure on the last receive leaves a record saying why, unless writing it failed too
            if outcome is Outcome.RETRIED and count < CONFIG.max_receive_count:
                assert not [e for e in own if e["disposition"]["S"] == "retries_exhausted"]
            # AND only a record retried on its last receive can be recorded as not attempted in time
            if [e for e in own if e["error_type"]["S"] == DEADLINE_EXCEEDED]:
                assert deadline is not None and outcome is Outcome.RETRIED and count >= CONFIG.max_receive_count


@given(batch=_records, died_at=st.integers(min_value=0, max_value=25), threaded=st.booleans())
def test_a_dying_invocation_leaves_every_last_receive_explained(
    batch: list[tuple[str, int]], died_at: int, threaded: bool
) -> None:
    # GIVEN a batch (some records on their last receive) whose invocation dies at some call after the
    # records written before the attempts (a timeout or out of memory: nothing in the handler catches it)
    from concurrent.futures import ThreadPoolExecutor

    records = [record(message_body, receive_count=count) for message_body, count in batch]
    last = {r["messageId"] for r in records if int(r["attributes"]["ApproximateReceiveCount"]) >= 5}
    store = MemoryStore(faults=itertools.chain([None] * (len(last) + died_at), ["died"], itertools.repeat(None)))

    # WHEN the batch is processed
    with ThreadPoolExecutor(max_workers=4) as executor:
        processor = BatchProcessor(
            store=store,
            config=CONFIG,
            executor=executor if threaded else None,
            clock=lambda: FIXED_NOW_NS,
        )
        try:
            processor.process(records)
            died = False
        except InvocationDied:
            died = True

    # THEN if it died (outside the final deletes of stored records' opening records), Lambda fails
    # the whole batch, SQS dead-letters every last-receive message, and each has a record saying why
    (died_in,) = [c[0] for c in store.calls[len(last) + died_at : len(last) + died_at + 1]] or ["-"]
    if died and died_in != "delete_error_record":
        explained = {e["message_id"]["S"] for e in store.errors}
        assert last <= explained
        for error in store.errors:
            if error["message_id"]["S"] in last and error["error_type"]["S"] == INVOCATION_FAILED_ON_LAST_RECEIVE:
                assert error["disposition"]["S"] == "retries_exhausted"


def test_threaded_processing_accounts_for_every_message() -> None:
    # GIVEN a batch of ten distinct valid events and every third store call throttled
    from concurrent.futures import ThreadPoolExecutor

    store = MemoryStore(faults=itertools.cycle([None, None, "throttled"]))
    records = [
        record(
            json.dumps(
                envelope({"shipment_id": f"SHP-{n}", "event_timestamp": "2025-10-13T10:30:00Z", "event_type": "t"})
            )
        )
        for n in range(10)
    ]

    # WHEN it is processed on the writer pool
    with ThreadPoolExecutor(max_workers=4) as executor:
        result = BatchProcessor(store=store, config=CONFIG, executor=executor).process(records)

    # THEN each record is stored or retried, and the stored ones are in the store
    counts = result.counts()
    assert counts["Stored"] + counts["Retried"] == 10
    assert counts["Stored"] == len(store.events)
    assert counts["Retried"] == len(result.response()["batchItemFailures"]) > 0


# --- round trip through moto: what is stored is exactly what was sent ------------------------------

_NUMBER = re.compile(r'"@@(-?[0-9.E+-]+)@@"')
_numbers = st.one_of(
    st.integers(min_value=-(10**37), max_value=10**37),
    st.decimals(allow_nan=False, allow_infinity=False).filter(
        lambda d: -120 < d.adjusted() < 120 and len(d.as_tuple().digits) <= 38
    ),
)
_storable = st.recursive(
    st.none() | st.booleans() | _numbers | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)


def _dumps(value: Any) -> str:
    """JSON with Decimals written as numbers, digit for digit (json.dumps cannot)."""
    return _NUMBER.sub(r"\1", json.dumps(value, default=lambda d: f"@@{d}@@"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.text(min_size=1, max_size=8), _storable, max_size=5))
def test_stored_event_data_round_trips_exactly(pipeline: Pipeline, data: dict[str, Any]) -> None:
    # GIVEN any storable event_data (each example uses a fresh shipment id in the shared tables)
    shipment_id = f"SHP-{uuid.uuid4()}"
    message = _dumps(
        envelope(
            {
                "shipment_id": shipment_id,
                "event_timestamp": "2025-10-13T10:30:00Z",
                "event_type": "t",
                "event_data": data,
            }
        )
    )

    # WHEN it is processed and read back
    result = pipeline.process([record(message)])
    item = pipeline.dynamodb.get_item(
        TableName=pipeline.config.events_table_name,
        Key={"shipment_id": {"S": shipment_id}, "event_timestamp": {"S": "2025-10-13T10:30:00.000000000Z"}},
    )["Item"]

    # THEN it was stored, with numbers equal to the last digit
    assert result.outcomes == (Outcome.STORED,)
    assert (
        TypeDeserializer().deserialize(item["event_data"])
        == json.loads(message, parse_float=Decimal)["detail"]["event_data"]
    )
