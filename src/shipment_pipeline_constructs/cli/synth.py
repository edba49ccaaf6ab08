"""``shipment-pipeline synth``: synthesize a CDK app directory without the CDK CLI.

The app's ``app.py`` runs with ``CDK_OUTDIR`` pointing at the output folder
(what ``cdk synth`` does underneath), so only Python and Node.js are needed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional

from . import common
from .arguments import environment_suffix
from .template_summary import describe_template


class SynthError(RuntimeError):
    """The app could not be synthesized; the message carries the app's own error output."""


def synthesize(app_dir: Path, outdir: Path, context: Optional[Mapping[str, str]] = None) -> list[Path]:
    """Run ``app_dir/app.py`` into ``outdir`` and return the stack templates it wrote."""
    app_file = app_dir / "app.py"
    if not app_file.is_file():
        raise SynthError(f"{app_file} not found: pass --app a folder that holds a CDK app's app.py")
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CDK_OUTDIR=str(outdir.resolve()))
    # Path and asset metadata (as `cdk synth` adds them) let the summary and the
    # local runner find resources by construct path and the function's code.
    metadata = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}
    env["CDK_CONTEXT_JSON"] = json.dumps({**metadata, **dict(context or {})})
    result = subprocess.run(
        [sys.executable, str(app_file.resolve())],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SynthError(f"synthesizing {app_dir} failed:\n{result.stderr.strip() or result.stdout.strip()}")
    return stack_templates(outdir)


def stack_templates(outdir: Path) -> list[Path]:
    """The stack templates a cloud assembly holds, as listed in its manifest."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return [
        outdir / artifact["properties"]["templateFile"]
        for artifact in manifest.get("artifacts", {}).values()
        if artifact.get("type") == "aws:cloudformation:stack"
    ]


def add_app_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command that synthesizes an app shares."""
    parser.add_argument(
        "--app", type=Path, default=Path("examples/basic"), help="CDK app folder (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("cdk.out"), help="cloud assembly folder (default: %(default)s)"
    )
    parser.add_argument(
        "--suffix",
        type=environment_suffix,
        default="dev",
        help="environment suffix passed as context environmentSuffix (default: %(default)s)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` subcommand."""
    parser = common.add_parser(
        subparsers,
        "synth",
        help="synthesize a CDK app and summarize its templates",
        description="Synthesize a CDK app folder into a cloud assembly and summarize each stack.",
        example="shipment-pipeline synth --app examples/basic --suffix prod",
    )
    add_app_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Synthesize and print a summary of each stack."""
    try:
        templates = synthesize(args.app, args.out, {"environmentSuffix": args.suffix})
    except SynthError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for template in templates:
        print(describe_template(template))
    return 0
