"""The demo's compliance step: cdk-nag packs and cfn-lint over the example, in a few lines.

cdk-nag checks the construct tree, not a template, so the example app is
built again in-process (``build_app()`` of its ``app.py``); cfn-lint reads
the templates the synthesize step wrote (``state["templates"]``).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path

SHOWN_FINDINGS = 10


def compliance_step(args: argparse.Namespace, state: dict) -> None:
    """Print the example's unacknowledged cdk-nag findings per pack and its cfn-lint findings."""
    # Imported here: loading aws-cdk-lib costs seconds that other commands should not pay.
    from ..compliance import PACKS, cfn_lint_findings

    print(
        f"\n==> compliance of {args.app} (cdk-nag AwsSolutions, Serverless, NIST 800-53 R5; cfn-lint + serverless rules)"
    )
    findings = _nag_findings(args.app, args.suffix)
    if findings is not None:
        per_pack = Counter(finding.pack for finding in findings)
        print("  cdk-nag:  " + ", ".join(f"{pack} {per_pack[pack]}" for pack in PACKS) + " unacknowledged finding(s)")
        for finding in findings[:SHOWN_FINDINGS]:
            print(f"    {finding}")
    for template in state.get("templates", []):
        try:
            lint = cfn_lint_findings(template)
        except RuntimeError as error:
            print(f"  cfn-lint: skipped ({error})")
            break
        print(f"  cfn-lint: {len(lint)} finding(s) in {Path(template).name}")
        for line in lint[:SHOWN_FINDINGS]:
            print(f"    {line}")
    print(
        "  Rules that cannot apply are acknowledged by the construct itself; README.md ('What you get') lists each and why."
    )


def _nag_findings(app_dir: Path, suffix: str):
    from aws_cdk import App, Stack

    from ..compliance import unacknowledged_findings

    try:
        import cdk_nag  # noqa: F401
    except ImportError:
        print("  cdk-nag:  skipped (install cdk-nag 3.x to run the packs)")
        return None
    app = App(context={"environmentSuffix": suffix})
    _load_app_module(app_dir).build_app(app)
    # Aspects and validations run during synthesis: check what would deploy.
    app.synth()
    stacks = [child for child in app.node.children if isinstance(child, Stack)]
    return [finding for stack in stacks for finding in unacknowledged_findings(stack)]


def _load_app_module(app_dir: Path):
    path = Path(app_dir) / "app.py"
    spec = importlib.util.spec_from_file_location(f"_compliance_app_{abs(hash(str(path.resolve())))}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"{path} is not a Python file: pass --app a folder holding a CDK app's app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
