"""``pause`` and ``resume`` on the local emulator: a paused pipeline does not consume; resuming drains it."""

from __future__ import annotations

import json
import time

import pytest

from shipment_pipeline_constructs.cli import main
from shipment_pipeline_constructs.local import LocalPipeline

from .helpers import entry

pytestmark = pytest.mark.slow  # runs the emulator

EVENTS = 12


def _cli(capsys: pytest.CaptureFixture, pipeline: LocalPipeline, *argv: str) -> tuple[int, str, str]:
    # The names examples/basic gives its resources with suffix e2e, and the emulator's endpoint.
    code = main([*argv, "--suffix", "e2e", "--endpoint-url", pipeline.endpoint_url, "--region", "us-east-1"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_paused_pipeline_does_not_consume_and_resuming_drains_it(
    pipeline: LocalPipeline, capsys: pytest.CaptureFixture
) -> None:
    # GIVEN the running local pipeline, paused with the CLI
    code, out, err = _cli(capsys, pipeline, "pause", "--poll-interval", "0.1")
    assert (code, err) == (0, ""), out
    assert out.startswith("consumption paused: event source mapping ") and "is Disabled" in out
    # (the poller reads the state every state_check_seconds, and a receive already waiting lasts 1 s)
    time.sleep(pipeline.mapping.state_check_seconds + 1.5)
    # WHEN events arrive, and the poller has had the time to take them several times over
    sent_at = time.monotonic()
    sent = pipeline.send([entry(f"SHP-P{n}") for n in range(EVENTS)], max_queued=EVENTS)
    assert sent.sent == EVENTS
    time.sleep(3 * pipeline.mapping.state_check_seconds + 2)
    # THEN nothing was received: every event waits in the queue, none is stored
    assert not pipeline.mapping.enabled
    assert pipeline.mapping.ledger.invocations == 0
    assert pipeline.queued() == EVENTS
    assert pipeline.scan(pipeline.events_table) == []
    # AND status says so, with the backlog, the oldest message's age (the local SQS metric) and its time left
    code, out, _ = _cli(capsys, pipeline, "status", "--no-alarms", "--json")
    status = json.loads(out)
    assert status["queue"]["visible"] == EVENTS
    consumption = status["consumption"]
    assert (consumption["state"], consumption["retention_seconds"]) == ("Disabled", 4 * 86400)
    waited = time.monotonic() - sent_at
    assert 0 < consumption["oldest_message_age_seconds"] <= waited + 1
    code, out, _ = _cli(capsys, pipeline, "status", "--no-alarms")
    assert "consumption PAUSED (event source mapping Disabled)" in out
    assert "  retention   4 d; the oldest message expires in 3 d 23 h" in out

    # WHEN the pipeline is resumed
    code, out, _ = _cli(capsys, pipeline, "resume")
    assert code == 0 and "consumption resumed" in out and "is Enabled" in out
    # THEN the backlog drains and every event is stored once
    assert pipeline.drain(timeout=60)
    assert len(pipeline.scan(pipeline.events_table)) == EVENTS
    report = pipeline.report()
    assert (report["sent"], report["stored"], report["unaccounted"]) == (EVENTS, EVENTS, 0)
