"""The run's report: every matched message reconciled with where it ended, from the emulator's final state.

Each message the rule delivered ends in exactly one outcome:

* ``stored``: its event is the item in the events table (same event id and replay name);
* ``duplicates``: valid, and the table holds its (shipment, instant) from another
  message with the same content fingerprint (or an item without one);
* ``conflicts``: valid, a different event is stored under its (shipment,
  instant), and the handler wrote a ``conflict`` error record for it;
* ``quarantined``: the handler sent a copy to the quarantine queue and wrote an error record
  (an invalid event, or a valid one the record hook rejected);
* ``exhausted``: SQS moved it to the DLQ after ``maxReceiveCount`` receives;
* ``unaccounted``: none of these (must be 0), including messages never
  received and a different event under a stored key with no conflict record.

A message can be in the DLQ although its event is in the table (a crash
after the write on its last receive, or a duplicate that exhausted its
receives): it counts as ``stored`` or ``duplicates``, since nothing was lost,
and ``dlq_detail`` counts the DLQ side.

``dlq_unexplained`` counts the DLQ messages that no error record explains:
a handler's copy is explained by the record its ``error_id`` attribute names,
a message SQS moved there by a record with its own message id. ``conflicts``
counts distinct messages, so a conflict recorded twice (the batch was
delivered again after a crash) counts once.

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

__all__ = ["handler_counts", "reconcile", "run_report", "summary_lines", "unexplained_dead_letters"]

Key = tuple[str, str]

#: ``error_type`` of the handler's conflict records (``Reason.CONFLICT`` in its events module).
CONFLICT = "conflict"
#: The attribute holding an item's content fingerprint (``FINGERPRINT_ATTRIBUTE`` in the handler).
FINGERPRINT = "content_sha256"


def reconcile(
    *,
    ledger: MessageLedger,
    parse: Callable[[str], Any],
    fingerprint: Callable[[Any], str],
    items: list[dict[str, Any]],
    error_records: list[dict[str, Any]],
    dlq_messages: list[dict[str, Any]],
    target_dlq: int,
    in_queue: int,
) -> dict[str, Any]:
    """The outcome counts; ``items`` and ``error_records`` are low-level DynamoDB items, ``dlq_messages`` SQS messages.

    ``parse`` and ``fingerprint`` are the handler's own ``parse_event`` (with the asset's contract) and
    ``content_fingerprint``.
    """
    stored_by: dict[Key, dict[str, Any]] = {
        (item["shipment_id"]["S"], item["event_timestamp"]["S"]): item for item in items
    }
    records_by_message: dict[str, set[str]] = {}
    conflicting: set[str] = set()
    for record in error_records:
        records_by_message.setdefault(record["message_id"]["S"], set()).add(record["disposition"]["S"])
        if record.get("error_type", {}).get("S") == CONFLICT:
            conflicting.add(record["message_id"]["S"])
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
        quarantined = message_id in copies and "quarantined" in records_by_message.get(message_id, ())
        if hasattr(parsed, "reason"):  # a Rejection
            outcome = "quarantined" if quarantined else "exhausted" if message_id in redriven else "unaccounted"
        elif (owner := stored_by.get((parsed.shipment_id, parsed.event_timestamp))) is None:
            # Valid, not stored: quarantined by the record hook (RejectEvent), or out of retries.
            outcome = "quarantined" if quarantined else "exhausted" if message_id in redriven else "unaccounted"
        else:
            outcome = _stored_outcome(owner, parsed, fingerprint, conflicting=message_id in conflicting)
        outcomes[outcome] += 1

    never_received = max(0, in_queue - outcomes["unaccounted"])
    return {
        "matched": len(ledger.deliveries) + never_received,
        "stored": outcomes["stored"],
        "duplicates": outcomes["duplicates"],
        "conflicts": outcomes["conflicts"],
        "quarantined": outcomes["quarantined"],
        "exhausted": outcomes["exhausted"],
        "retried": ledger.retries,
        "dlq": len(dlq_messages),
        "dlq_unexplained": len(unexplained_dead_letters(dlq_messages, error_records)),
        "target_dlq": target_dlq,
        "unaccounted": outcomes["unaccounted"] + never_received,
        "in_queue": in_queue,
        "dlq_detail": {
            "quarantine_copies": len(dlq_messages) - len(redriven),
            "redriven": len(redriven),
        },
        "conflict_records": sum(record.get("error_type", {}).get("S") == CONFLICT for record in error_records),
        "items_in_table": len(items),
        "error_records": len(error_records),
        "invocations": ledger.invocations,
        "crashed_invocations": ledger.crashed_invocations,
        "batch_item_failures": ledger.batch_item_failures,
    }


def _stored_outcome(owner: dict[str, Any], parsed: Any, fingerprint: Callable[[Any], str], *, conflicting: bool) -> str:
    """``stored``, ``duplicates`` or ``conflicts`` for a valid message whose key the table holds (``owner``)."""
    if (owner["event_id"]["S"], owner.get("replay_name", {}).get("S")) == (parsed.event_id, parsed.replay_name):
        return "stored"
    if FINGERPRINT not in owner or owner[FINGERPRINT]["S"] == fingerprint(parsed):
        return "duplicates"
    # A different event under a stored key: explained only by its conflict record.
    return "conflicts" if conflicting else "unaccounted"


def unexplained_dead_letters(
    dlq_messages: list[dict[str, Any]], error_records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The DLQ messages no error record explains (see the module doc for the join)."""
    error_ids = {record["error_id"]["S"] for record in error_records}
    message_ids = {record["message_id"]["S"] for record in error_records}
    unexplained = []
    for message in dlq_messages:
        error_id = message.get("MessageAttributes", {}).get("error_id", {}).get("StringValue")
        if not (error_id in error_ids if error_id else message["MessageId"] in message_ids):
            unexplained.append(message)
    return unexplained


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
        **{
            key: outcome.pop(key)
            for key in ("matched", "stored", "duplicates", "conflicts", "quarantined", "retried", "dlq")
        },
        "dlq_unexplained": outcome.pop("dlq_unexplained"),
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
        f"{report['conflicts']} conflicts recorded, {report['quarantined']} quarantined (invalid or rejected by a hook), "
        f"{report['exhausted']} exhausted their retries",
        f"{report['retried']} redeliveries over {report['invocations']} invocations; DLQ and quarantine queue hold {report['dlq']} "
        f"({report['dlq_unexplained']} without an error record), target DLQ {report['target_dlq']}; "
        f"unaccounted: {report['unaccounted']}",
    ]
    extra = report["dlq_detail"]["quarantine_copies"] - report["quarantined"]
    if extra > 0:
        lines.append(
            f"the quarantine queue holds {extra} extra copies: a crash after the handler quarantined a message "
            "made SQS deliver it again (at-least-once)"
        )
    for problem in report.get("missing_permissions", []):
        lines.append(f"IAM (moto does not enforce it): {problem}")
    injected = report.get("injected", {})
    if any(injected.values()):
        lines.append(
            f"injected {injected.get('transient_failures', 0)} transient DynamoDB failures, "
            f"{injected.get('outage_failures', 0)} DynamoDB writes failed in the outage, "
            f"{injected.get('crashes', 0)} invocation crashes"
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
