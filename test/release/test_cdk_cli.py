"""The real AWS CDK CLI synthesizes every example, quietly.

The CLI and Node.js 22 come from package.json (locked, `npm ci` in `make setup`); each example's
cdk.json runs its app with the `python3` of the active virtualenv, as a user's shell would after
`source .venv/bin/activate`. No feature-flag notice (each cdk.json sets the flags `cdk init`
writes today) and no jsii Node.js banner may reach the output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from release.distribution import NODE, REPO, user_environment

pytestmark = pytest.mark.slow

CDK = REPO / "node_modules/.bin/cdk"
EXAMPLES = sorted(path.parent for path in (REPO / "examples").glob("*/cdk.json"))
# What `cdk synth --quiet` still prints, on purpose, for an app with several stacks.
CLI_LINES = ("Successfully synthesized to ", "Supply a stack id ")


@pytest.fixture(scope="module")
def cli_environment() -> dict[str, str]:
    """A shell with the virtualenv active and the project's Node tools first on PATH."""
    if not CDK.exists() or not NODE.exists():
        pytest.fail("node_modules/ has no cdk CLI or Node.js: run `make setup` (it runs `npm ci`)")
    env = user_environment()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(NODE.parent), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(Path(sys.executable).parents[1])
    return env


def test_the_locked_cli_is_major_version_2_on_node_22(cli_environment):
    version = subprocess.run([CDK, "--version"], env=cli_environment, capture_output=True, text=True, check=True)
    assert version.stdout.startswith("2."), version.stdout
    node = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=True)
    assert node.stdout.startswith("v22."), node.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_cdk_synth_of_the_example_is_quiet(example, cli_environment, tmp_path):
    result = subprocess.run(
        [CDK, "synth", "--quiet", "--output", str(tmp_path / "cdk.out")],
        cwd=example,
        env=cli_environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    noise = [
        line for line in (result.stdout + result.stderr).splitlines() if line.strip() and not line.startswith(CLI_LINES)
    ]
    assert noise == [], "\n".join(noise)
    manifest = json.loads((tmp_path / "cdk.out/manifest.json").read_text())
    stacks = [
        name for name, artifact in manifest["artifacts"].items() if artifact["type"] == "aws:cloudformation:stack"
    ]
    assert stacks
