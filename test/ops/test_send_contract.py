"""``send`` checks events with the deployed function's own code: its contract, read from its code package."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest

from shipment_pipeline_constructs import EventContract
from shipment_pipeline_constructs.handler_asset import asset_files
from shipment_pipeline_constructs.ops import contract as ops_contract

from .conftest import REGION, SUFFIX, MotoPipeline, run_cli


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def deployed(moto_pipeline: MotoPipeline, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The processor deployed with a contract allowing two types; its code served at GetFunction's location."""
    code = _zip(asset_files(EventContract(event_types=["created", "delivered"])))
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="processor", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=moto_pipeline.names.function,
        Runtime="python3.13",
        Role=role,
        Handler="shipment_processor.app.handler",
        Code={"ZipFile": code},
    )

    # moto serves GetFunction but not the presigned download: answer it with the package deployed above.
    def urlopen(url: str, timeout: float) -> io.BytesIO:
        assert url.startswith("https://")
        return io.BytesIO(code)

    monkeypatch.setattr(ops_contract.urllib.request, "urlopen", urlopen)
    return code


def test_send_refuses_an_event_the_deployed_contract_does_not_allow(deployed, moto_pipeline, capsys, tmp_path: Path):
    detail = {"shipment_id": "SHP-1", "event_timestamp": "2025-10-13T10:30:00Z", "event_type": "teleported"}
    path = tmp_path / "events.json"
    path.write_text(json.dumps([{"Source": "shipment.service", "DetailType": "x", "Detail": json.dumps(detail)}]))
    code, out, err = run_cli(capsys, "send", "--suffix", SUFFIX, "--file", str(path))
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        "entry 0: unknown_event_type: event_type 'teleported' is not an allowed event type; "
        "the contract allows created, delivered"
    )
    assert moto_pipeline.depth(moto_pipeline.queue_url) == 0
    # The default contract would have taken it: the deployed code decided.
    code, _, _ = run_cli(capsys, "send", "--suffix", SUFFIX, "--file", str(path), "--no-validate")
    assert code == 0 and moto_pipeline.depth(moto_pipeline.queue_url) == 1
