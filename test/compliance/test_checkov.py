"""checkov, the scanner security teams run, finds nothing unexplained in any example or tested configuration.

One checkov process over every template (it costs seconds to start), from its own locked environment
(``tools/run_checkov.py``), offline: ``BC_SKIP_MAPPING=TRUE`` and ``--skip-download`` keep it from
calling its vendor's API. Checks that cannot apply are skipped by the construct on the exact resource
(``Metadata.checkov.skip``, from ``compliance.EXEMPTIONS``) and only where the reason holds, so users
scanning their own apps get the same clean result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from stacks import REPO, example_names, existing_resources_pipeline, synth_example
from test_cdk_nag import in_vpc, with_key  # noqa: F401  (shared session fixtures)

from shipment_pipeline_constructs.compliance import EXEMPTIONS

RUNNER = REPO / "tools" / "run_checkov.py"
# Logical-ID prefixes of resources the example apps create beside the pipeline.
EXAMPLE_OWNED_PREFIXES = ("Producer", "AuditConsumer")


def checkov(directory: Path) -> dict:
    """``checkov -d DIRECTORY --framework cloudformation`` offline; its JSON report."""
    uv = shutil.which("uv") or shutil.which("uv", path=str(REPO / ".tools" / "bin"))
    if uv is None:
        pytest.fail("uv is not on PATH: run `make setup` (it installs uv and checkov's environment)")
    command = [uv, "run", "--locked", "--quiet", "--script", str(RUNNER)]
    command += ["--directory", str(directory), "--framework", "cloudformation", "--skip-download"]
    # Not --quiet: the report then lists the passed and skipped checks too, which the test reads.
    command += ["--compact", "--output", "json"]
    result = subprocess.run(
        command, cwd=REPO, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"}, capture_output=True, text=True, check=False
    )
    # Exit 1 means findings (the report says which); anything else is checkov failing to run.
    if result.returncode not in (0, 1) or not result.stdout.startswith(("{", "[")):
        pytest.fail(f"checkov did not run (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


@pytest.mark.slow  # synthesizes every example app
def test_every_example_and_tested_configuration_has_no_unexplained_checkov_finding(
    tmp_path,
    default_pipeline,
    with_key,  # noqa: F811
    in_vpc,  # noqa: F811
):
    for name in example_names():
        assembly = synth_example(name)[1]
        for stack in assembly.stacks:
            shutil.copy(Path(assembly.directory) / stack.template_file, tmp_path / f"{name}-{stack.template_file}")
    configurations = {
        "default": default_pipeline,
        "with-key": with_key,
        "in-vpc": in_vpc,
        "existing-resources": existing_resources_pipeline(),
    }
    for name, (_, _, template) in configurations.items():
        (tmp_path / f"{name}.template.json").write_text(json.dumps(template.to_json()))
    assert len(list(tmp_path.glob("*.json"))) >= len(example_names()) + len(configurations)

    report = checkov(tmp_path)

    findings = sorted(
        f"{Path(finding['file_path']).name}: {finding['check_id']} on {finding['resource']}"
        for finding in report["results"]["failed_checks"]
    )
    assert findings == []
    assert report["summary"]["parsing_errors"] == 0
    # Every template was read, and the checks ran (a scan of nothing would pass too).
    assert report["summary"]["passed"] > 0
    scanned = {Path(check["file_path"]).name for check in report["results"]["skipped_checks"]}
    assert scanned == {path.name for path in tmp_path.glob("*.json")}
    # Each skip on the library's resources is one it documents, with its reason as the comment (the examples'
    # own functions, a producer and a stream consumer, carry their own reasons in their apps).
    reasons = {(check, exemption.reason) for exemption in EXEMPTIONS for check in exemption.checkov_checks}
    library_skips = {
        (check["check_id"], check["check_result"]["suppress_comment"])
        for check in report["results"]["skipped_checks"]
        if not check["resource"].split(".")[-1].startswith(EXAMPLE_OWNED_PREFIXES)
    }
    assert library_skips <= reasons
    # The docs' Compliance page lists every check that ran, and says how many.
    ran = {check["check_id"] for kind in ("passed_checks", "skipped_checks") for check in report["results"][kind]}
    doc = (REPO / "docs" / "compliance.md").read_text()
    assert [check for check in sorted(ran) if f"`{check}`" not in doc] == []
    assert f"The {len(ran)} checks that apply" in doc


def checkov_skips(template) -> dict[str, list[str]]:
    return {
        logical_id: sorted(skip["id"] for skip in resource["Metadata"]["checkov"]["skip"])
        for logical_id, resource in template.to_json()["Resources"].items()
        if "checkov" in resource.get("Metadata", {})
    }


def test_default_pipeline_skips_checks_on_their_resources_only(default_template):
    assert checkov_skips(default_template) == {
        "PipelineQueueC13966F5": ["CKV_AWS_27"],
        "PipelineDeadLetterQueueF08023D6": ["CKV_AWS_27"],
        "PipelineQuarantineQueueD22B6F86": ["CKV_AWS_27"],
        "PipelineTargetDeadLetterQueue88587787": ["CKV_AWS_27"],
        "PipelineEventsTableCF2EDC92": ["CKV_AWS_119"],
        "PipelineErrorsTable7374816B": ["CKV_AWS_119"],
        "PipelineProcessorLogGroupF27E379C": ["CKV_AWS_158"],
        "PipelineProcessorD7E2B244": ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"],
    }


def test_a_skip_goes_where_its_reason_no_longer_holds(with_key, in_vpc):  # noqa: F811
    # With a customer managed key the source queue, its DLQ and the quarantine queue use it (nothing to skip);
    # the target DLQ keeps SSE-SQS. Reserved concurrency set: CKV_AWS_115 passes and is not skipped.
    with_key_skips = checkov_skips(with_key[2])
    queues = {logical_id: ids for logical_id, ids in with_key_skips.items() if "Queue" in logical_id}
    assert queues == {"PipelineTargetDeadLetterQueue88587787": ["CKV_AWS_27"]}
    assert with_key_skips["PipelineProcessorD7E2B244"] == ["CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"]
    # In a VPC, CKV_AWS_117 passes: no skip.
    assert checkov_skips(in_vpc[2])["PipelineProcessorD7E2B244"] == ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_173"]


def test_each_skip_carries_the_documented_reason_as_its_comment(default_template):
    reasons = {check: exemption.reason for exemption in EXEMPTIONS for check in exemption.checkov_checks}
    for resource in default_template.to_json()["Resources"].values():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip["comment"] == reasons[skip["id"]]
