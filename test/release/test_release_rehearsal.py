"""A release, rehearsed for real: what the release workflow does, then what a user does.

Build the sdist and the wheel from the sdist, check both as PyPI and the workflow do, upload them
with twine to a PyPI server on 127.0.0.1 (pypiserver), install the package by name from that index
into a fresh virtualenv outside the repo, synthesize an ordinary CDK app with it and run the
operator CLI. The runtime dependencies are pre-installed at their locked versions, and the index
does not fall back to PyPI, so the package itself can only come from the local upload.
"""

from __future__ import annotations

import email
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from release.distribution import (
    REPO,
    VERSION,
    assert_handler_bundled,
    build_distributions,
    locked_runtime_requirements,
    run,
    supported_pythons,
    synthesize_user_app,
    user_environment,
    uv,
    venv_tool,
    write_user_app,
)

pytestmark = pytest.mark.slow

NAME = "shipment-pipeline-constructs"
PROJECT_URLS = {
    "Repository": "https://github.com/shipment-pipeline/shipment-pipeline-constructs",
    "Documentation": "https://shipment-pipeline.github.io/shipment-pipeline-constructs/",
    "Changelog": "https://github.com/shipment-pipeline/shipment-pipeline-constructs/blob/main/CHANGELOG.md",
    "Issues": "https://github.com/shipment-pipeline/shipment-pipeline-constructs/issues",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_index(packages: Path) -> Iterator[str]:
    """pypiserver on 127.0.0.1 accepting unauthenticated uploads into ``packages``; yields its URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1", "--port", str(port),
            "--authenticate", ".", "--passwords", ".", "--disable-fallback", str(packages),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/simple/", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"pypiserver did not start: {server.communicate()[1]!r}") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def index(tmp_path) -> Iterator[str]:
    packages = tmp_path / "index"
    packages.mkdir()
    yield from local_index(packages)


def test_release_rehearsal(index, tmp_path):
    # Build once: the sdist, then the wheel from that sdist.
    dist = tmp_path / "dist"
    sdist, wheel = sorted(build_distributions(dist), key=lambda path: path.suffix == ".whl")
    assert sdist.name == f"shipment_pipeline_constructs-{VERSION}.tar.gz"
    assert wheel.name == f"shipment_pipeline_constructs-{VERSION}-py3-none-any.whl"

    # What the release workflow checks before it publishes.
    run(venv_tool("twine"), "check", "--strict", sdist, wheel, cwd=tmp_path)
    run(venv_tool("check-wheel-contents"), "--config", REPO / "pyproject.toml", wheel, cwd=tmp_path)

    # The licence text ships in both, and the metadata links to the project.
    with tarfile.open(sdist) as archive:
        sdist_names = archive.getnames()
    root = f"shipment_pipeline_constructs-{VERSION}"
    assert {f"{root}/LICENSE", f"{root}/CHANGELOG.md", f"{root}/lambda/shipment_processor/app.py"} <= set(sdist_names)
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(archive.read(f"{root}.dist-info/METADATA"))
        assert "Apache License" in archive.read(f"{root}.dist-info/licenses/LICENSE").decode()
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == f">={supported_pythons()[0]}"
    assert dict(url.split(", ", 1) for url in metadata.get_all("Project-URL")) == PROJECT_URLS
    declared = {c.rsplit(" :: ", 1)[1] for c in metadata.get_all("Classifier") if c.startswith("Programming Language")}
    assert set(supported_pythons()) <= declared

    # Publish to the local index.
    run(
        venv_tool("twine"), "upload", "--non-interactive", "--repository-url", f"{index}/",
        "-u", "rehearsal", "-p", "rehearsal", sdist, wheel,
        cwd=tmp_path,
    )  # fmt: skip

    # A user's fresh virtualenv outside the repo: the locked runtime dependencies, then the package by name.
    venv = tmp_path / "user-venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin/python"
    requirements = locked_runtime_requirements(tmp_path / "requirements.txt")
    run(uv(), "pip", "install", "--quiet", "--python", python, "-r", requirements, cwd=tmp_path)
    installed = run(
        python, "-m", "pip", "install", "--disable-pip-version-check", "--index-url", f"{index}/simple/",
        f"{NAME}=={VERSION}",
        cwd=tmp_path, env=user_environment(),
    )  # fmt: skip
    assert f"{index}/packages/{wheel.name}" in installed.stdout, installed.stdout

    # The user's app synthesizes with it, and the operator CLI runs.
    work = write_user_app(tmp_path / "user-app")
    template = synthesize_user_app(python, work)
    assert_handler_bundled(work, template)
    cli = str(venv / "bin/shipment-pipeline")
    where = run(python, "-I", "-c", "import shipment_pipeline_constructs as m; print(m.__file__)", cwd=work).stdout
    assert where.startswith(str(venv)) and str(REPO) not in where
    assert run(cli, "--version", cwd=work, env=user_environment()).stdout.strip() == f"shipment-pipeline {VERSION}"
    cost = run(cli, "cost", "--events-per-day", "30000", cwd=work, env=user_environment()).stdout
    assert "30,000 events/day" in cost
    assert "Total at list price" in cost
