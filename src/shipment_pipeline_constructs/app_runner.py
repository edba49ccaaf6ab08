"""Run a CDK app folder without the CDK CLI, and find the stack templates it writes.

The app's ``app.py`` runs with ``CDK_OUTDIR`` pointing at the output folder
(what ``cdk synth`` does underneath), so only Python and Node.js are needed.
The ``synth``, ``demo``, ``local`` and ``cost`` commands and the local
runner share these functions; none of them imports aws-cdk-lib here (the
app runs in its own process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional

from . import shape
from .template_reader import StackTemplate, TemplateError

__all__ = ["SynthError", "find_template", "stack_templates", "synthesize"]


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


def find_template(*, app_dir: Path, cdk_out: Optional[Path], suffix: str) -> Path:
    """The first stack template holding a pipeline: from ``cdk_out`` when it holds an assembly, else freshly synthesized."""
    if cdk_out is not None and (cdk_out / "manifest.json").is_file():
        templates = stack_templates(cdk_out)
    else:
        templates = synthesize(app_dir, cdk_out or Path("cdk.out"), {"environmentSuffix": suffix})
    for template in templates:
        if StackTemplate.load(template).pipelines():
            return template
    queue_suffix = shape.PARTS["queue"].path_suffix
    checked = ", ".join(str(template) for template in templates) or "no stack templates"
    raise TemplateError(
        f"no stack holds a ShipmentEventPipeline (no resource has a construct path ending in {queue_suffix}): {checked}"
    )
