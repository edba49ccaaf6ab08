"""An interrupted ``dlq redrive``: the process is killed (SIGKILL) part-way, run again, and nothing is lost or stored twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from shipment_pipeline_constructs.local import LocalPipeline

from .helpers import SOURCE

pytestmark = pytest.mark.slow  # runs the emulator

MESSAGES = 60
KILL_AFTER_SENDS = 3  # batches of 10: 30 copies sent, the last 10 of them not yet deleted from the DLQ
RECEIVE_VISIBILITY_SECONDS = 2

# Runs redrive's receive -> send -> delete against the emulator and SIGKILLs itself right after the n-th
# SendMessageBatch returns: the worst moment, when a batch is in both queues.
_KILLED_REDRIVE = textwrap.dedent(
    """
    import os, signal, sys
    import boto3
    from shipment_pipeline_constructs.ops.redrive import redrive

    endpoint, source, destination, kill_after, visibility = sys.argv[1:6]
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")

    class KilledAfterSends:
        sends = 0
        def __getattr__(self, name):
            return getattr(sqs, name)
        def send_message_batch(self, **request):
            response = sqs.send_message_batch(**request)
            KilledAfterSends.sends += 1
            if KilledAfterSends.sends == int(kill_after):
                os.kill(os.getpid(), signal.SIGKILL)
            return response

    redrive(KilledAfterSends(), source_url=source, destination_url=destination, try_native=False,
            visibility_timeout_seconds=int(visibility))
    """
)


_CLI = "import sys; from shipment_pipeline_constructs.cli import main; sys.exit(main(sys.argv[1:]))"


def _envelope(shipment_id: str) -> str:
    """An EventBridge envelope as the rule delivers it, with a fresh id (a producer's retry gets a new one)."""
    detail = {"shipment_id": shipment_id, "event_timestamp": "2025-10-13T10:30:00Z", "event_type": "created"}
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "shipment.created",
            "source": SOURCE,
            "time": "2025-10-13T10:30:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }
    )


def test_a_killed_redrive_run_again_loses_nothing_and_stores_each_event_once(template_path: Path) -> None:
    # GIVEN a running pipeline whose DLQ holds 60 messages: 50 distinct events, 10 of them twice
    shipment_ids = [f"SHP-REDRIVE-{n:03d}" for n in range(50)]
    bodies = [_envelope(shipment_id) for shipment_id in shipment_ids + shipment_ids[:10]]
    with LocalPipeline(template_path) as pipeline:
        sqs, dlq, queue = pipeline.clients.sqs, pipeline.dead_letter_queue_url, pipeline.queue_url
        for start in range(0, MESSAGES, 10):
            sqs.send_message_batch(
                QueueUrl=dlq,
                Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])],
            )

        # WHEN a redrive is killed with SIGKILL right after its third send (30 sent, 20 deleted from the DLQ)
        killed = subprocess.run(
            [
                sys.executable,
                "-c",
                _KILLED_REDRIVE,
                pipeline.endpoint_url,
                dlq,
                queue,
                str(KILL_AFTER_SENDS),
                str(RECEIVE_VISIBILITY_SECONDS),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        time.sleep(RECEIVE_VISIBILITY_SECONDS + 0.5)  # the batch the dead process received is visible again
        left_in_dlq = pipeline.peek(dlq)
        assert pipeline.drain(timeout=60)
        delivered_before = {d.body for d in pipeline.mapping.ledger.deliveries.values()}
        # THEN it stopped part-way: the killed batch is in both queues, nothing is in neither
        assert 0 < len(delivered_before) < MESSAGES and len(left_in_dlq) == MESSAGES - 20
        assert delivered_before | {m["Body"] for m in left_in_dlq} == set(bodies)

        # WHEN the redrive is run again, as an operator would, with the CLI
        rerun = subprocess.run(
            [
                sys.executable, "-c", _CLI, "dlq", "redrive", "--suffix", "e2e",
                "--endpoint-url", pipeline.endpoint_url, "--region", "us-east-1", "--no-native", "--json",
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            env={**_dummy_credentials(), "PATH": ""},
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        assert json.loads(rerun.stdout)["moved"] == MESSAGES - 20
        assert pipeline.drain(timeout=60)
        report = pipeline.report()
        items = pipeline.scan(pipeline.events_table)
        deliveries = pipeline.mapping.ledger.deliveries

    # THEN every message reached the source queue at least once; the killed batch twice
    delivered = [d.body for d in deliveries.values()]
    assert set(delivered) == set(bodies) and len(delivered) == MESSAGES + 10
    # AND the DLQ is empty and each event is stored exactly once: the rest are duplicates, nothing unaccounted
    assert (report["dlq"], report["unaccounted"]) == (0, 0)
    assert sorted(item["shipment_id"]["S"] for item in items) == sorted(shipment_ids)
    assert report["stored"] + report["duplicates"] == MESSAGES + 10
    # AND the handler wrote 50 items in all: every second copy was a duplicate (its conditional write failed);
    # more duplicates than 20 only if SQS handed a message out twice on a loaded machine (at-least-once)
    handler = report["handler_counts"]
    assert handler["Stored"] == 50 and handler["Duplicates"] >= MESSAGES + 10 - 50


def _dummy_credentials() -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "HOME": str(Path.home())}
