"""Every command from a user's own folder outside the repository, on a ``cdk init``-style app, with the installed package.

The commands run as subprocesses with the library's venv not activated (see
``user_apps.user_environment``), so ``python3 app.py`` in cdk.json works only
because the command runs the app with its own environment, as it must.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import REPO
from .user_apps import Run, shipment_pipeline, snapshot

pytestmark = pytest.mark.slow


def test_synth_runs_the_app_of_cdk_json_with_the_context_and_summarizes_it(user_app: Path, synthesized: Run) -> None:
    assert synthesized.code == 0, synthesized.stderr
    assert "Stack template: cdk.out/ShipmentsStack.template.json" in synthesized.stdout
    assert "4 x AWS::SQS::Queue" in synthesized.stdout  # queue, DLQ, quarantine queue, target DLQ
    template = json.loads((user_app / "cdk.out" / "ShipmentsStack.template.json").read_text())
    queue_names = sorted(
        r["Properties"]["QueueName"] for r in template["Resources"].values() if r["Type"] == "AWS::SQS::Queue"
    )
    # --suffix reached the app as context environmentSuffix, and path metadata is on.
    assert queue_names == [
        "shipment-events-clitest",
        "shipment-events-dlq-clitest",
        "shipment-events-quarantine-clitest",
        "shipment-events-target-dlq-clitest",
    ]
    assert all(
        "aws:cdk:path" in r.get("Metadata", {})
        for r in template["Resources"].values()
        if r["Type"] != "AWS::CDK::Metadata"
    )
    # No jsii banner and no Python traceback on a clean run.
    assert "!!" not in synthesized.stderr and "Traceback" not in synthesized.stderr


def test_local_with_cdk_out_runs_that_assembly_and_never_touches_it(user_app: Path, synthesized: Run) -> None:
    assert synthesized.code == 0, synthesized.stderr
    before = snapshot(user_app / "cdk.out")

    run = shipment_pipeline(
        "local", "--cdk-out", "cdk.out", "--count", "20", "--report", "reports/reuse.json", cwd=user_app
    )

    assert run.code == 0, run.stderr
    assert snapshot(user_app / "cdk.out") == before
    assert not (user_app / "reports" / "reuse.cdk.out").exists()
    report = json.loads((user_app / "reports" / "reuse.json").read_text())
    assert (report["sent"], report["unaccounted"], report["settings"]["event_bus"]) == (
        20,
        0,
        "shipment-events-clitest",
    )


def test_local_with_app_synthesizes_next_to_the_report_and_leaves_the_users_cdk_out_alone(
    user_app: Path, synthesized: Run
) -> None:
    assert synthesized.code == 0, synthesized.stderr
    before = snapshot(user_app / "cdk.out")

    run = shipment_pipeline(
        "local", "--app", ".", "--suffix", "mine", "--count", "20", "--report", "reports/app.json", cwd=user_app
    )

    assert run.code == 0, run.stderr
    assert "unaccounted: 0" in run.stdout
    assert snapshot(user_app / "cdk.out") == before
    assert (user_app / "reports" / "app.cdk.out" / "manifest.json").is_file()
    report = json.loads((user_app / "reports" / "app.json").read_text())
    assert report["settings"]["event_bus"] == "shipment-events-mine"


def test_demo_runs_every_step_on_the_users_app(user_app: Path) -> None:
    run = shipment_pipeline("demo", "--app", ".", "--suffix", "clidemo", "--out", "demo.out", cwd=user_app)

    assert run.code == 0, run.stderr
    assert "==> synthesizing . into demo.out/" in run.stdout
    assert "unaccounted: 0" in run.stdout
    assert "cdk-nag:  AwsSolutions 0, Serverless 0, NIST.800.53.R5 0 unacknowledged finding(s)" in run.stdout
    assert "cfn-lint: 0 finding(s) in ShipmentsStack.template.json" in run.stdout
    assert run.stdout.rstrip().splitlines()[-1].startswith("Done: templates in ")
    assert json.loads((user_app / "reports" / "local-run.json").read_text())["settings"]["event_bus"] == (
        "shipment-events-clidemo"
    )


def test_the_parameterized_example_synthesizes_joins_and_runs_locally_with_a_parameter(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # GIVEN the example copied into a user's folder
    folder = tmp_path_factory.mktemp("user") / "parameterized"
    shutil.copytree(REPO / "examples" / "parameterized", folder, ignore=shutil.ignore_patterns("cdk.out"))

    # WHEN it is synthesized, then run locally with the parameter as `cdk deploy --parameters` takes it
    synth = shipment_pipeline("synth", "--app", ".", cwd=folder)
    run = shipment_pipeline(
        "local", "--cdk-out", "cdk.out", "--parameters", "EnvironmentSuffix=ptest", "--count", "20", cwd=folder
    )

    # THEN the names are joins of the parameter, which the local run resolves to the value passed
    assert synth.code == 0, synth.stderr
    template = json.loads((folder / "cdk.out" / "ShipmentPipeline.template.json").read_text())
    (queue,) = [
        r["Properties"]["QueueName"]
        for r in template["Resources"].values()
        if r.get("Metadata", {}).get("aws:cdk:path", "").endswith("/Pipeline/Queue/Resource")
    ]
    assert queue == {"Fn::Join": ["", ["shipment-events-", {"Ref": "EnvironmentSuffix"}]]}
    assert template["Parameters"]["EnvironmentSuffix"]["Default"] == "dev"
    assert run.code == 0, run.stderr
    report = json.loads((folder / "reports" / "local-run.json").read_text())
    assert (report["settings"]["event_bus"], report["unaccounted"]) == ("shipment-events-ptest", 0)

    # AND a value CloudFormation would reject fails the same way locally, in one line
    bad = shipment_pipeline(
        "local", "--cdk-out", "cdk.out", "--parameters", "EnvironmentSuffix=Prod", "--count", "1", cwd=folder
    )
    assert bad.code == 2
    assert bad.error_lines == [
        # CloudFormation matches AllowedPattern against the whole value, as the construct's own check does.
        "error: parameter EnvironmentSuffix='Prod' does not match its AllowedPattern [a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    ]
