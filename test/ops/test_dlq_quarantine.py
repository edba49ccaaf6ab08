"""``dlq inspect --quarantine`` / ``dlq redrive --quarantine``: the quarantine queue, apart from the DLQ."""

from __future__ import annotations

import json

from .conftest import SUFFIX, MotoPipeline, run_cli
from .test_errors import NOW, put_record


def quarantine_queue(pipeline: MotoPipeline) -> str:
    """The quarantine queue under the name the construct gives it (the moto pipeline predates it)."""
    return pipeline.sqs.create_queue(QueueName=pipeline.names.quarantine_queue)["QueueUrl"]


def test_inspect_quarantine_shows_the_quarantine_queue_with_error_records_and_not_the_dlq(
    moto_pipeline: MotoPipeline, capsys
) -> None:
    # GIVEN a quarantined copy in the quarantine queue and an exhausted message in the DLQ
    url = quarantine_queue(moto_pipeline)
    record = put_record(moto_pipeline, at=NOW, message_id="quarantined-1", error_type="conflict", shipment_id="SHP-1")
    moto_pipeline.sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps({"detail": {"shipment_id": "SHP-1"}}),
        MessageAttributes={"error_id": {"DataType": "String", "StringValue": record["error_id"]["S"]}},
    )
    moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody=json.dumps({"exhausted": True}))
    # WHEN each is inspected
    code, out, _ = run_cli(capsys, "dlq", "inspect", "--quarantine", "--suffix", SUFFIX, "--json")
    # THEN --quarantine shows the quarantine queue's message with its error record, and only that
    assert code == 0
    (message,) = json.loads(out)
    assert message["error_record"]["error_type"] == "conflict"
    code, out, _ = run_cli(capsys, "dlq", "inspect", "--suffix", SUFFIX, "--json")
    assert code == 0 and [m.get("error_record") for m in json.loads(out)] == [None]


def test_redrive_quarantine_moves_the_quarantine_queue_back_to_the_source_queue(
    moto_pipeline: MotoPipeline, capsys
) -> None:
    url = quarantine_queue(moto_pipeline)
    for n in range(3):
        moto_pipeline.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    moto_pipeline.sqs.send_message(QueueUrl=moto_pipeline.dlq_url, MessageBody="stays")
    code, out, _ = run_cli(capsys, "dlq", "redrive", "--quarantine", "--suffix", SUFFIX, "--json")
    assert code == 0 and json.loads(out)["moved"] == 3
    assert sorted(moto_pipeline.bodies(moto_pipeline.queue_url)) == sorted(json.dumps({"n": n}) for n in range(3))
    assert moto_pipeline.bodies(url) == [] and moto_pipeline.bodies(moto_pipeline.dlq_url) == ["stays"]


def test_quarantine_and_target_are_one_choice(moto_pipeline: MotoPipeline, capsys) -> None:
    code, _, err = run_cli(capsys, "dlq", "inspect", "--quarantine", "--target", "--suffix", SUFFIX)
    assert code == 2 and "--quarantine" in err and "not allowed with" in err
