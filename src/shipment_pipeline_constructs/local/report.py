"""The run's report: every matched message reconciled with where it ended, from the emulator's final state.

Each message the rule delivered ends in exactly one outcome:

* ``stored``: its event is the item in the events table (same event id and replay name);
* ``duplicates``: valid, and the table holds its (shipment, instant) from another message;
* ``quarantined``: the handler sent a copy to the DLQ and wrote an error record;
* ``exhausted``: SQS moved it to the DLQ after ``maxReceiveCount`` receives;
* ``unaccounted``: none of these (must be 0), including messages never received.

A message can be in the DLQ although its event is in the table (a crash
after the write on its last receive, or a duplicate that exhausted its
receives): it counts as ``stored`` or ``duplicates``, since nothing was lost,
and ``dlq_detail`` counts the DLQ side.

``retried`` counts redeliveries (receives after the first), ``dlq`` and
``target_dlq`` the messages in those queues. The figures come from the
tables and queues themselves, not from the handler's own counts (those are in
``handler_counts``, summed from its EMF documents, crashed invocations included).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from .poller import MessageLedger

__all__ = ["handler_counts", "reconcile", "run_report", "summary_lines"]

Key = tuple[str, str]


def reconcile(
    *,
    ledger: MessageLedger,
    parse: Callable[[str], Any],
    items: list[dict[str, Any]],
    error_records: list[dict[str, Any]],
    dlq_messages: list[dict[str, Any]],
    target_dlq: int,
    in_queue: int,
) -> dict[str, Any]:
    """The outcome counts; ``items`` and ``error_records`` are low-level DynamoDB items, ``dlq_messages`` SQS messages."""
    stored_by: dict[Key, tuple[str, str | None]] = {
        (item["shipment_id"]["S"], item["event_timestamp"]["S"]): (
            item["event_id"]["S"],
            item.get("replay_name", {}).get("S"),
        )
        for item in items
    }
    records_by_message: dict[str, set[str]] = {}
    for record in error_records:
        records_by_message.setdefault(record["message_id"]["S"], set()).add(record["disposition"]["S"])
    copies: set[str] = set()
    redriven: set[str] = set()
    for message in dlq_messages:
        source = message.get("MessageAttributes", {}).get("source_message_id", {}).get("StringValue")
        if source:
            copies.add(source)
        else:
            redriven.add(message["MessageId"])

    outcomes: Counter[str] = Counter()
    for message_id, delivery in ledger.deliveries.items():
        parsed = parse(delivery.body)
        if hasattr(parsed, "reason"):  # a Rejection
            done = message_id in copies and "quarantined" in records_by_message.get(message_id, ())
            outcome = "quarantined" if done else "exhausted" if message_id in redriven else "unaccounted"
        else:
            owner = stored_by.get((parsed.shipment_id, parsed.event_timestamp))
            if owner == (parsed.event_id, parsed.replay_name):
                outcome = "stored"
            elif owner is not None:
                outcome = "duplicates"
            else:
                outcome = "exhausted" if message_id in redriven else "unaccounted"
        outcomes[outcome] += 1

    without_record = [m for m in redriven if "retries_exhausted" not in records_by_message.get(m, ())]
    after_crash = [
        m for m in without_record if m in ledger.deliveries and ledger.deliveries[m].last_result == "crashed"
    ]
    never_received = max(0, in_queue - outcomes["unaccounted"])
    return {
        "matched": len(ledger.deliveries) + never_received,
        "stored": outcomes["stored"],
        "duplicates": outcomes["duplicates"],
        "quarantined": outcomes["quarantined"],
        "exhausted": outcomes["exhausted"],
        "retried": ledger.retries,
        "dlq": len(dlq_messages),
        "target_dlq": target_dlq,
        "unaccounted": outcomes["unaccounted"] + never_received,
        "in_queue": in_queue,
        "dlq_detail": {
            "quarantine_copies": len(dlq_messages) - len(redriven),
            "redriven": len(redriven),
            # A whole-invocation failure on the last receive leaves no error
            # record (the handler never saw the outcome); anything else is a bug.
            "redriven_without_error_record_after_crash": len(after_crash),
            "redriven_without_error_record_unexplained": len(without_record) - len(after_crash),
        },
        "items_in_table": len(items),
        "error_records": len(error_records),
        "invocations": ledger.invocations,
        "crashed_invocations": ledger.crashed_invocations,
        "batch_item_failures": ledger.batch_item_failures,
    }


def run_report(
    *,
    sent: int,
    outcome: dict[str, Any],
    elapsed: float,
    drained: bool,
    missing_permissions: list[str],
    injected: dict[str, int],
    documents: list[str],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The JSON report: the headline counts first (sent, matched, each outcome, unaccounted), then the details."""
    outcome = dict(outcome)
    return {
        "sent": sent,
        **{key: outcome.pop(key) for key in ("matched", "stored", "duplicates", "quarantined", "retried", "dlq")},
        "target_dlq": outcome.pop("target_dlq"),
        "unaccounted": outcome.pop("unaccounted"),
        "events_per_second": round(sent / elapsed, 1) if elapsed else 0.0,
        "elapsed_seconds": round(elapsed, 2),
        "drained": drained,
        **outcome,
        "missing_permissions": missing_permissions,
        "injected": injected,
        "handler_counts": handler_counts(documents),
        "settings": settings,
    }


def summary_lines(report: dict[str, Any]) -> list[str]:
    """A few readable lines for a terminal."""
    state = "drained" if report["drained"] else f"TIMED OUT with {report['in_queue']} message(s) still queued"
    lines = [
        f"sent {report['sent']} events, the rule matched {report['matched']}; {state} in "
        f"{report['elapsed_seconds']:.1f} s ({report['events_per_second']:.0f} events/s end to end)",
        f"stored {report['stored']} new, {report['duplicates']} duplicates stored once, "
        f"{report['quarantined']} invalid quarantined, {report['exhausted']} exhausted their retries",
        f"{report['retried']} redeliveries over {report['invocations']} invocations; DLQ holds {report['dlq']}, "
        f"target DLQ {report['target_dlq']}; unaccounted: {report['unaccounted']}",
    ]
    extra = report["dlq_detail"]["quarantine_copies"] - report["quarantined"]
    if extra > 0:
        lines.append(
            f"the DLQ holds {extra} extra quarantine copies: a crash after the handler quarantined a message "
            "made SQS deliver it again (at-least-once)"
        )
    for problem in report.get("missing_permissions", []):
        lines.append(f"IAM (moto does not enforce it): {problem}")
    injected = report.get("injected", {})
    if injected.get("transient_failures") or injected.get("crashes"):
        lines.append(
            f"injected {injected['transient_failures']} transient DynamoDB failures and "
            f"{injected['crashes']} invocation crashes"
        )
    return lines


def handler_counts(documents: list[str]) -> dict[str, int]:
    """Sum the handler's EMF documents (one per invocation) into its own per-outcome counts."""
    totals: Counter[str] = Counter()
    for document in documents:
        try:
            data = json.loads(document)
            names = [m["Name"] for m in data["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        totals.update({name: int(data.get(name, 0)) for name in names})
    return dict(totals)
