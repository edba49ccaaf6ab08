"""The wheel installs and works on every Python it declares, and is refused by older ones.

This is what a user does after ``pip install shipment-pipeline-constructs``: install it outside
the repo, in a fresh virtualenv, and synthesize their app. It fails if the handler is not packaged,
or is found only through the checkout, or if ``Requires-Python`` claims a version the package does
not run on. Each supported version whose interpreter this machine lacks is skipped with the places
that were searched (``pytest -ra`` prints the reason).
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from release.distribution import (
    REPO,
    assert_handler_bundled,
    build_distributions,
    find_python,
    locked_runtime_requirements,
    run,
    supported_pythons,
    synthesize_user_app,
    user_environment,
    uv,
    write_user_app,
)

pytestmark = pytest.mark.slow

# The newest Python older than the declared floor: pip must refuse the wheel there.
OLDER_THAN_SUPPORTED = f"3.{int(supported_pythons()[0].split('.')[1]) - 1}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, Path]:
    """The wheel built from this checkout, and the locked runtime dependencies as constraints."""
    out = tmp_path_factory.mktemp("wheel")
    (built,) = build_distributions(out / "dist", "--wheel")
    names = zipfile.ZipFile(built).namelist()
    assert "shipment_pipeline_constructs/lambda/shipment_processor/app.py" in names
    assert "shipment_pipeline_constructs/py.typed" in names
    # The locked versions as constraints: an upstream release cannot change what this test checks.
    return built, locked_runtime_requirements(out / "constraints.txt")


def interpreter(version: str) -> Path:
    """This machine's Python ``version``, or skip with the places searched."""
    found, searched = find_python(version)
    if found is None:
        pytest.skip(f"Python {version} is not installed here (looked in {', '.join(searched)})")
    return found


@pytest.mark.parametrize("version", supported_pythons())
def test_installed_wheel_synthesizes_a_user_app(version, wheel, tmp_path):
    built, constraints = wheel
    python = interpreter(version)
    # GIVEN the wheel installed into a fresh virtualenv of that Python, outside the repo
    venv, work = tmp_path / "venv", write_user_app(tmp_path / "user-app")
    run(uv(), "venv", "--quiet", "--python", python, venv, cwd=tmp_path)
    run(uv(), "pip", "install", "--quiet", "--python", venv / "bin/python", "-c", constraints, built, cwd=tmp_path)

    # WHEN the user's app synthesizes
    template = synthesize_user_app(venv / "bin/python", work)

    # THEN it ran that Python with the library from the venv, and the function's asset holds the handler
    where = run(
        venv / "bin/python", "-I", "-c",
        "import sys, shipment_pipeline_constructs as m; print('%d.%d' % sys.version_info[:2], m.__file__)",
        cwd=work, env=user_environment(),
    ).stdout.split()  # fmt: skip
    assert where[0] == version
    assert where[1].startswith(str(venv)) and str(REPO) not in where[1]
    assert_handler_bundled(work, template)


def test_an_older_python_is_refused_with_the_requirement(wheel, tmp_path):
    built, _ = wheel
    python = interpreter(OLDER_THAN_SUPPORTED)
    venv = tmp_path / "venv"
    run(uv(), "venv", "--quiet", "--python", python, venv, cwd=tmp_path)
    refused = subprocess.run(
        [uv(), "pip", "install", "--python", str(venv / "bin/python"), "--no-deps", str(built)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert f">={supported_pythons()[0]}" in refused.stderr, refused.stderr
