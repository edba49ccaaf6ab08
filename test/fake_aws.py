"""Fake AWS for the handler and operator tests: fake credentials, moto in-process, the handler on ``sys.path``.

One home for what both test folders need, so they isolate themselves from
the real environment the same way. A conftest registers the fixtures by
importing them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# moto must be imported before any botocore session exists: it hooks into
# the handlers every new session registers, which is how mock_aws intercepts.
from moto import mock_aws

REGION = "us-east-1"
#: The bundled handler is deployed from <repo>/lambda, not installed: tests import it from there.
LAMBDA_DIR = Path(__file__).resolve().parents[1] / "lambda"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))

#: Variables that could point a test at a real account or endpoint.
_REAL_ENVIRONMENT = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SQS",
)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, nothing from the real environment."""
    for name in _REAL_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)


@pytest.fixture
def aws_environment(aws_env: None) -> Iterator[None]:
    """:func:`aws_env` with moto in-process, so nothing can reach a real account."""
    with mock_aws():
        yield
