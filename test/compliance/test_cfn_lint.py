"""cfn-lint with the serverless rules finds nothing in any example template, nor in the tested configurations.

The exact command the docs' compliance page gives, run from the repository root so
``.cfnlintrc.yaml`` applies. The few rules that cannot apply are skipped
on their resources by the construct itself (template metadata), so users
running cfn-lint on their own apps get the same clean result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from stacks import REPO, example_names, synth_example
from test_cdk_nag import in_vpc, keyed_configurations, with_key  # noqa: F401  (shared session fixtures)

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def cfn_lint(templates: list[str]) -> tuple[int, str, str]:
    """``cfn-lint --append-rules cfn_lint_serverless.rules -- TEMPLATE...`` from the repository root."""
    result = subprocess.run(
        [str(CFN_LINT), "--append-rules", "cfn_lint_serverless.rules", "--", *templates],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


@pytest.mark.slow  # synthesizes an example app
def test_every_example_and_tested_configuration_has_no_cfn_lint_findings(
    tmp_path,
    with_key,  # noqa: F811
    in_vpc,  # noqa: F811
    keyed_configurations,  # noqa: F811
):
    # One cfn-lint run for all templates: each run costs seconds just to start; findings name their file.
    templates = [
        str(Path(assembly.directory) / stack.template_file)
        for assembly in (synth_example(name)[1] for name in example_names())
        for stack in assembly.stacks
    ]
    assert len(templates) >= len(example_names())
    configurations = [("with-key", with_key), ("in-vpc", in_vpc)]
    configurations += [(f"keyed-{index}", keyed) for index, keyed in enumerate(keyed_configurations)]
    for name, (_, _, template) in configurations:
        path = tmp_path / f"{name}.template.json"
        path.write_text(json.dumps(template.to_json()))
        templates.append(str(path))
    assert cfn_lint(templates) == (0, "", "")


def test_rules_that_cannot_apply_are_skipped_on_their_resources_only(default_template):
    ignored = {
        logical_id: resource["Metadata"]["cfn-lint"]["config"]["ignore_checks"]
        for logical_id, resource in default_template.to_json()["Resources"].items()
        if "cfn-lint" in resource.get("Metadata", {})
    }
    assert ignored == {
        "PipelineDeadLetterQueueF08023D6": ["ES6000"],
        "PipelineQuarantineQueueD22B6F86": ["ES6000"],
        "PipelineTargetDeadLetterQueue88587787": ["ES6000"],
        "PipelineQueueEventSourceFED3CD67": ["ES1001"],
        "PipelineProcessorD7E2B244": ["W3005"],
    }
