"""The demo's compliance step: cdk-nag and cfn-lint over a synthesized cloud assembly, in a few lines.

The step rebuilds each stack from its template and carries over the
acknowledgments the assembly records; these tests check both halves against
the basic example's assembly (shared with the other tests) and copies of it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from stacks import synth_example

from shipment_pipeline_constructs.cli import common, demo
from shipment_pipeline_constructs.cli.compliance import ACKNOWLEDGED_RULES, assembly_findings, compliance_step

pytestmark = pytest.mark.slow  # cfn-lint and cdk-nag over a synthesized example


@pytest.fixture(scope="module")
def basic_assembly() -> Path:
    _, assembly = synth_example("basic")
    return Path(assembly.directory)


@pytest.fixture
def assembly_copy(basic_assembly: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "cdk.out"
    shutil.copytree(basic_assembly, copy, ignore=shutil.ignore_patterns("asset.*"))
    return copy


def stack_files(assembly: Path) -> tuple[Path, Path]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    (artifact,) = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
    return assembly / artifact["properties"]["templateFile"], assembly / artifact["additionalMetadataFile"]


def test_compliance_step_reports_zero_findings_per_pack_in_a_few_lines(basic_assembly: Path, capsys) -> None:
    compliance_step(argparse.Namespace(), {"assembly": basic_assembly})
    out = capsys.readouterr().out
    assert "cdk-nag:  AwsSolutions 0, Serverless 0, NIST.800.53.R5 0 unacknowledged finding(s)" in out
    assert "cfn-lint: 0 finding(s) in ShipmentPipeline-dev.template.json" in out
    assert len(out.strip().splitlines()) <= 4


def test_the_acknowledgments_come_from_the_assembly(assembly_copy: Path) -> None:
    # GIVEN the assembly without the acknowledgments the construct made
    _, metadata_file = stack_files(assembly_copy)
    metadata = json.loads(metadata_file.read_text())
    stripped = {path: [e for e in entries if e["type"] != ACKNOWLEDGED_RULES] for path, entries in metadata.items()}
    metadata_file.write_text(json.dumps(stripped))

    # WHEN cdk-nag runs over it
    found = {(finding.rule_id, finding.path) for finding in assembly_findings(assembly_copy)}

    # THEN the findings the construct acknowledges are back, at their original construct paths
    assert ("AwsSolutions-SQS3", "ShipmentPipeline-dev/Pipeline/TargetDeadLetterQueue/Resource") in found
    assert ("Serverless-LambdaDLQ", "ShipmentPipeline-dev/Pipeline/Processor/Resource") in found
    assert ("NIST.800.53.R5-DynamoDBInBackupPlan", "ShipmentPipeline-dev/Pipeline/EventsTable/Resource") in found


def test_a_finding_fails_the_step_with_one_line(assembly_copy: Path, capsys) -> None:
    # GIVEN a template with a queue that has no dead-letter queue and no TLS-only policy
    template_file, _ = stack_files(assembly_copy)
    template = json.loads(template_file.read_text())
    template["Resources"]["BareQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    template_file.write_text(json.dumps(template))

    with pytest.raises(
        common.StepFailed, match=r"compliance: \d+ cdk-nag and \d+ cfn-lint finding\(s\) not acknowledged"
    ):
        compliance_step(argparse.Namespace(), {"assembly": assembly_copy})
    assert "AwsSolutions-SQS3 at BareQueue" in capsys.readouterr().out


def test_compliance_step_is_a_demo_step() -> None:
    from shipment_pipeline_constructs.cli.compliance import compliance_step as step

    assert step in demo.STEPS
