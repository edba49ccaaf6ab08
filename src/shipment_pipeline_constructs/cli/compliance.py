"""The demo's compliance step: cdk-nag packs and cfn-lint over the synthesized cloud assembly, in a few lines.

cdk-nag checks a construct tree, so the step rebuilds one from each stack's
template with ``CfnInclude`` (the same resources, properties and logical
IDs) and puts back the acknowledgments the app made
(``Validations.of(...).acknowledge``), which the assembly keeps per
construct path as ``aws:cdk:acknowledged-rules`` metadata. So it checks what
would deploy, for any app in any language, without running the app again.
cfn-lint reads the same templates. Both need the ``compliance`` extra.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..app_runner import stack_artifacts
from . import common

SHOWN_FINDINGS = 10
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
LOGICAL_ID = "aws:cdk:logicalId"


def compliance_step(args: argparse.Namespace, state: dict) -> None:
    """Print the assembly's unacknowledged cdk-nag findings per pack and its cfn-lint findings.

    Reads the assembly in ``state["assembly"]`` (the synthesize step's output).
    Raises :class:`~.common.MissingExtraError` without the ``compliance``
    extra and :class:`~.common.StepFailed` when anything is found.
    """
    common.require_extra("compliance", "the compliance check")
    # Imported here: loading aws-cdk-lib costs seconds that other commands should not pay.
    from ..compliance import PACKS, cfn_lint_findings

    assembly = Path(state["assembly"])
    print(
        f"\n==> compliance of {assembly}/ (cdk-nag AwsSolutions, Serverless, NIST 800-53 R5; cfn-lint + serverless rules)"
    )
    findings = assembly_findings(assembly)
    per_pack = Counter(finding.pack for finding in findings)
    print("  cdk-nag:  " + ", ".join(f"{pack} {per_pack[pack]}" for pack in PACKS) + " unacknowledged finding(s)")
    for finding in findings[:SHOWN_FINDINGS]:
        print(f"    {finding}")
    lint_total = 0
    for artifact in stack_artifacts(assembly).values():
        template = assembly / artifact["properties"]["templateFile"]
        try:
            lint = cfn_lint_findings(template)
        except RuntimeError as error:
            raise common.StepFailed(f"compliance: {error}", exit_code=common.EXIT_ERROR) from error
        lint_total += len(lint)
        print(f"  cfn-lint: {len(lint)} finding(s) in {template.name}")
        for line in lint[:SHOWN_FINDINGS]:
            print(f"    {line}")
    print("  Rules that cannot apply to the pipeline are acknowledged by the construct itself, each with its reason.")
    if findings or lint_total:
        raise common.StepFailed(
            f"compliance: {len(findings)} cdk-nag and {lint_total} cfn-lint finding(s) not acknowledged (listed above)"
        )


def assembly_findings(assembly: Path) -> list[Any]:
    """cdk-nag's unacknowledged findings over every stack of a cloud assembly, at their original construct paths."""
    from aws_cdk import Acknowledgment, App, Stack, Validations
    from aws_cdk import cloudformation_include as cfn_include

    from ..compliance import Finding, unacknowledged_findings

    findings = []
    for name, artifact in stack_artifacts(assembly).items():
        template_file = assembly / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text())
        metadata = _metadata(assembly, artifact)
        paths = _construct_paths(template, metadata)
        stack = Stack(App(), name)
        included = cfn_include.CfnInclude(stack, "Template", template_file=str(template_file))
        for logical_id in template.get("Resources", {}):
            resource = included.get_resource(logical_id)
            for rule_id, reason in _acknowledgments(paths.get(logical_id), metadata):
                Validations.of(resource).acknowledge(Acknowledgment(id=rule_id, reason=reason))
        prefix = f"{name}/Template/"
        for finding in unacknowledged_findings(stack):
            logical_id = finding.path.removeprefix(prefix)
            original = paths.get(logical_id)
            findings.append(
                Finding(
                    finding.pack, finding.rule_id, original.lstrip("/") if original else logical_id, finding.description
                )
            )
    return findings


def _metadata(assembly: Path, artifact: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Construct path -> metadata entries: inline in the manifest, or in the file it names (newer CDK)."""
    entries = dict(artifact.get("metadata", {}))
    extra = artifact.get("additionalMetadataFile")
    if extra:
        entries.update(json.loads((assembly / extra).read_text()))
    return entries


def _construct_paths(template: dict[str, Any], metadata: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Logical ID -> construct path (``/Stack/...``), from the logical-ID metadata, else the template's path metadata."""
    paths = {
        logical_id: f"/{resource['Metadata']['aws:cdk:path']}"
        for logical_id, resource in template.get("Resources", {}).items()
        if "aws:cdk:path" in resource.get("Metadata", {})
    }
    for path, entries in metadata.items():
        for entry in entries:
            if entry.get("type") == LOGICAL_ID:
                paths[entry["data"]] = path
    return paths


def _acknowledgments(path: str | None, metadata: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, str]]:
    """Rules acknowledged on the construct at ``path`` or on any of its ancestors, as cdk-nag looks them up."""
    if not path:
        return
    for owner, entries in metadata.items():
        if path == owner or path.startswith(owner.rstrip("/") + "/"):
            for entry in entries:
                if entry.get("type") == ACKNOWLEDGED_RULES:
                    for qualified_id, reason in entry["data"].items():
                        # aws-cdk-lib writes "Annotation::RULE" (older versions "annotation::RULE").
                        yield qualified_id.split("::", 1)[-1], reason
