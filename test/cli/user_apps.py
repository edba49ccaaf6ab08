"""CDK app folders written as a user writes them, and the ``shipment-pipeline`` command run as a user runs it."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

#: The console script of the environment running the tests (the worktree's .venv).
COMMAND = Path(sys.executable).with_name("shipment-pipeline")

# `cdk init app --language python` writes app.py, cdk.json and a package with the stack.
APP_PY = """#!/usr/bin/env python3
import aws_cdk as cdk

from shipments.shipments_stack import ShipmentsStack


app = cdk.App()
ShipmentsStack(app, "ShipmentsStack")

app.synth()
"""

STACK_PY = """from aws_cdk import Stack
from constructs import Construct

from shipment_pipeline_constructs import ShipmentEventPipeline


class ShipmentsStack(Stack):

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        suffix = self.node.try_get_context("environmentSuffix") or "dev"
        ShipmentEventPipeline(self, "Shipments", environment_suffix=suffix)
"""

CDK_JSON = {
    "app": "python3 app.py",
    "watch": {"include": ["**"], "exclude": ["README.md", "cdk*.json", "requirements*.txt", "**/__pycache__"]},
    "context": {
        "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
        "@aws-cdk/core:checkSecretUsage": True,
        "@aws-cdk/core:target-partitions": ["aws", "aws-cn"],
    },
}


def write_user_app(folder: Path) -> Path:
    """A CDK app as ``cdk init app --language python`` lays it out, holding one pipeline."""
    (folder / "shipments").mkdir(parents=True)
    (folder / "app.py").write_text(APP_PY)
    (folder / "shipments" / "__init__.py").write_text("")
    (folder / "shipments" / "shipments_stack.py").write_text(STACK_PY)
    (folder / "cdk.json").write_text(json.dumps(CDK_JSON, indent=2))
    (folder / "requirements.txt").write_text("aws-cdk-lib\nconstructs\nshipment-pipeline-constructs\n")
    return folder


def user_environment() -> dict[str, str]:
    """The environment of a shell where the library's venv is NOT activated: no .venv/bin on PATH.

    ``python3`` in cdk.json then resolves to the system's Python, which lacks
    aws-cdk-lib, unless the command puts its own interpreter first, as it must.
    """
    node = shutil.which("node")
    path = [str(Path(node).parent)] if node else []
    path += [entry for entry in os.defpath.split(os.pathsep) if entry]
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["PATH"] = os.pathsep.join(dict.fromkeys(path))
    return env


@dataclasses.dataclass(frozen=True)
class Run:
    """What one ``shipment-pipeline`` run printed and returned."""

    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def shipment_pipeline(*args: str, cwd: Path, timeout: float | None = 900) -> Run:
    """Run the installed ``shipment-pipeline`` command in ``cwd``, as a user would."""
    result = subprocess.run(
        [str(COMMAND), *args],
        cwd=cwd,
        env=user_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (ns): equal snapshots, untouched folder."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
