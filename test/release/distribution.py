"""What the packaging tests share: building the distributions, fresh environments, a user's CDK app.

Imported as ``release.distribution`` (``test/`` is on ``sys.path``); pytest collects nothing here.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NODE = REPO / "node_modules/.bin/node"


def _package_version() -> str:
    """The version written in the package, which the built distributions are named after."""
    version_file = REPO / "src/shipment_pipeline_constructs/_version.py"
    match = re.search(r'__version__ = "([^"]+)"', version_file.read_text())
    if match is None:
        raise RuntimeError(f'{version_file} has no __version__ = "..." line')
    return match.group(1)


VERSION = _package_version()

# An app laid out as `cdk init app --language python` lays it out, with the pipeline in its stack.
USER_APP = {
    "app.py": """\
#!/usr/bin/env python3
import aws_cdk as cdk

from user_app.user_app_stack import UserAppStack

app = cdk.App()
UserAppStack(app, "UserAppStack")
app.synth()
""",
    "user_app/__init__.py": "",
    "user_app/user_app_stack.py": """\
from aws_cdk import Stack
from constructs import Construct

from shipment_pipeline_constructs import ShipmentEventPipeline


class UserAppStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        ShipmentEventPipeline(self, "Shipments", environment_suffix="dev")
""",
    "cdk.json": json.dumps({"app": "python3 app.py"}),
}


def uv() -> str:
    """The uv that `make setup` used (PATH, or the copy it installed into .tools/)."""
    found = os.environ.get("UV") or shutil.which("uv") or str(REPO / ".tools/bin/uv")
    if not Path(found).exists():
        pytest.fail("uv not found: run the tests through `make test`, which installs it")
    return found


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output when it fails."""
    result = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def venv_tool(name: str) -> str:
    """A console script of the environment running the tests."""
    return str(Path(sys.executable).parent / name)


def build_distributions(out_dir: Path, *targets: str) -> list[Path]:
    """Build from this checkout with the locked hatchling (no fresh resolution from the index).

    With no ``targets`` uv builds the sdist, then the wheel from that sdist, as the release does.
    """
    run(
        uv(), "build", "--quiet", "--no-build-isolation", "--python", sys.executable, "--out-dir", out_dir, *targets,
        cwd=REPO,
    )  # fmt: skip
    return sorted([*out_dir.glob("*.tar.gz"), *out_dir.glob("*.whl")])


def locked_runtime_requirements(path: Path) -> Path:
    """The locked versions of the runtime dependencies (no dev tools, not the project itself)."""
    run(
        uv(), "export", "--locked", "--no-dev", "--no-emit-project", "--no-hashes", "--quiet", "-o", path,
        cwd=REPO,
    )  # fmt: skip
    return path


def user_environment() -> dict[str, str]:
    """The environment of a user's shell: nothing from this checkout or its virtualenv.

    jsii runs the Node.js 22 that package.json installs (jsii declares Node 20 end of life).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV") and not key.startswith("JSII_SILENCE")
    }
    if NODE.exists():
        env["JSII_NODE"] = str(NODE)
    return env


def write_user_app(folder: Path) -> Path:
    """Write :data:`USER_APP` into ``folder``."""
    for name, text in USER_APP.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def synthesize_user_app(python: Path, folder: Path) -> dict:
    """Synthesize the user's app with ``python`` as the CDK CLI runs it; return its template."""
    env = user_environment()
    env.update(CDK_OUTDIR=str(folder / "cdk.out"), CDK_CONTEXT_JSON=json.dumps({"aws:cdk:enable-asset-metadata": True}))
    result = run(python, "app.py", cwd=folder, env=env)
    assert "end-of-life" not in result.stderr, result.stderr
    return json.loads((folder / "cdk.out/UserAppStack.template.json").read_text())


def assert_handler_bundled(folder: Path, template: dict) -> None:
    """The processor function's asset (from the installed wheel) holds the handler and no bytecode."""
    (function,) = [
        resource
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function" and "EVENTS_TABLE_NAME" in json.dumps(resource)
    ]
    asset_dir = folder / "cdk.out" / function["Metadata"]["aws:asset:path"]
    assert (asset_dir / "shipment_processor/app.py").is_file()
    assert not list(asset_dir.rglob("__pycache__"))


def supported_pythons() -> list[str]:
    """The ``3.X`` versions the package declares (its classifiers, generated with Requires-Python)."""
    return re.findall(r'"Programming Language :: Python :: (3\.\d+)"', (REPO / "pyproject.toml").read_text())


def find_python(version: str) -> tuple[Path | None, list[str]]:
    """An interpreter for ``version`` from pyenv's versions or PATH; also the places looked at."""
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    if shutil.which("pyenv"):
        roots.insert(0, subprocess.run(["pyenv", "root"], check=False, capture_output=True, text=True).stdout.strip())
    patterns = [f"{root}/versions/*/bin/python{version}" for root in dict.fromkeys(filter(None, roots))]
    candidates = [Path(p) for pattern in patterns for p in sorted(glob.glob(pattern))]
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        reported = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if reported.returncode == 0 and reported.stdout.strip() == version:
            return candidate, patterns
    return None, [*patterns, f"python{version} on PATH"]
