"""The published wheel carries the handler: install it outside the repo and synthesize.

This is what a user does after ``pip install shipment-pipeline-constructs``;
it fails if the handler is not packaged, or found only through the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from shipment_pipeline_constructs.jsii_env import QUIET_JSII_ENV

REPO = Path(__file__).resolve().parents[1]

USER_APP = """
from aws_cdk import App, Stack
from shipment_pipeline_constructs import ShipmentEventPipeline

app = App()
ShipmentEventPipeline(Stack(app, "UserStack"), "Pipeline", environment_suffix="wheel")
app.synth()
"""


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv") or str(REPO / ".tools/bin/uv")
    if not Path(found).exists():
        pytest.fail("uv not found: run the tests through `make test`, which installs it")
    return found


def _run(*args: str, cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_installed_wheel_synthesizes_with_the_bundled_handler(tmp_path):
    uv = _uv()
    # GIVEN the wheel built from this checkout
    # The locked hatchling (no build isolation) and the locked runtime dependencies as constraints:
    # no fresh resolution from the index, so an upstream release cannot change what this test checks.
    _run(
        uv, "build", "--wheel", "--quiet", "--no-build-isolation", "--python", sys.executable,
        "--out-dir", str(tmp_path / "dist"), cwd=REPO,
    )  # fmt: skip
    constraints = tmp_path / "constraints.txt"
    _run(
        uv,
        "export",
        "--locked",
        "--no-dev",
        "--no-emit-project",
        "--no-hashes",
        "--quiet",
        "-o",
        str(constraints),
        cwd=REPO,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "shipment_pipeline_constructs/lambda/shipment_processor/app.py" in names
    assert "shipment_pipeline_constructs/py.typed" in names

    # WHEN it is installed into a fresh virtualenv outside the repo and a user's app synthesizes
    venv, work = tmp_path / "venv", tmp_path / "user-app"
    work.mkdir()
    _run(uv, "venv", "--quiet", "--python", sys.executable, str(venv), cwd=tmp_path)
    _run(
        uv, "pip", "install", "--quiet", "--python", str(venv / "bin/python"), "-c", str(constraints), str(wheel),
        cwd=tmp_path,
    )  # fmt: skip
    (work / "app.py").write_text(USER_APP)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(QUIET_JSII_ENV, CDK_OUTDIR=str(work / "cdk.out"))
    env["CDK_CONTEXT_JSON"] = json.dumps({"aws:cdk:enable-asset-metadata": True})
    _run(str(venv / "bin/python"), "-I", "app.py", cwd=work, env=env)

    # THEN the library came from the venv, and the function's asset holds the handler
    where = _run(
        str(venv / "bin/python"),
        "-I",
        "-c",
        "import shipment_pipeline_constructs as m; print(m.__file__)",
        cwd=work,
        env=env,
    )
    assert str(venv) in where and str(REPO) not in where
    template = json.loads((work / "cdk.out/UserStack.template.json").read_text())
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    asset_dir = work / "cdk.out" / function["Metadata"]["aws:asset:path"]
    assert (asset_dir / "shipment_processor/app.py").is_file()
    assert not list(asset_dir.rglob("__pycache__"))
