"""Sessions and clients for one region, profile and endpoint, and AWS errors an operator can act on.

botocore reports a missing credential chain, an unknown stack or a queue in
another region in its own words; :func:`explain` turns each into a sentence
that names the fix (``--profile``, ``--region``, ``--stack``...).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

if TYPE_CHECKING:
    # Typed clients from the types-boto3 stubs, a development dependency: only mypy reads them.
    from types_boto3_cloudformation import CloudFormationClient
    from types_boto3_cloudwatch import CloudWatchClient
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_events import EventBridgeClient
    from types_boto3_lambda import LambdaClient
    from types_boto3_sqs import SQSClient

# Operators wait on these calls: fail fast, retry throttles a little.
_CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 5})

_BAD_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "AuthFailure",
}
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_NOT_FOUND = {
    "ResourceNotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}


class OperationError(Exception):
    """A failure the operator can act on; the message says what to change."""


@dataclass(frozen=True)
class Connection:
    """Where to send requests: ``None`` fields fall back to boto3's default chain.

    Example::

        clients = Connection(region="eu-west-1", profile="ops")
        clients.client("sqs").list_queues()
        Connection(endpoint_url="http://127.0.0.1:5000")  # the local emulator
    """

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None

    @cached_property
    def session(self) -> boto3.Session:
        """The boto3 session for :attr:`profile` and :attr:`region`."""
        try:
            return boto3.Session(profile_name=self.profile, region_name=self.region)
        except ProfileNotFound as error:
            raise explain(error) from None

    @property
    def region_name(self) -> str:
        """The region in effect (argument, profile or environment)."""
        region = self.session.region_name
        if not region:
            raise OperationError("no AWS region: pass --region, or set AWS_REGION or a region in your profile")
        return region

    @overload
    def client(self, service: Literal["cloudformation"]) -> CloudFormationClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"]) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["events"]) -> EventBridgeClient: ...
    @overload
    def client(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def client(self, service: Literal["lambda"]) -> LambdaClient: ...

    def client(self, service: str) -> Any:
        """A low-level client of ``service`` in :attr:`region_name`."""
        return self.session.client(
            service,  # type: ignore[call-overload]  # a str, not one Literal: the overloads above type each service
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            config=_CLIENT_CONFIG,
        )


def explain(error: Exception, connection: Connection | None = None) -> OperationError:
    """An :class:`OperationError` saying what went wrong in operator terms, and how to fix it."""
    where = _where(connection)
    if isinstance(error, OperationError):
        return error
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return OperationError(
            "no AWS credentials found: pass --profile, run `aws configure` or `aws sso login`, or export "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (against the local emulator any values do)"
        )
    if isinstance(error, ProfileNotFound):
        return OperationError(f"{error}: check --profile against `aws configure list-profiles`")
    if isinstance(error, NoRegionError):
        return OperationError("no AWS region: pass --region, or set AWS_REGION or a region in your profile")
    if isinstance(error, EndpointConnectionError):
        return OperationError(
            f"cannot reach {error.kwargs.get('endpoint_url', 'the endpoint')}: check --region "
            "(is it a real region?) and --endpoint-url (is the local emulator running?)"
        )
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        operation = getattr(error, "operation_name", "the request")
        if code in _BAD_CREDENTIALS:
            return OperationError(
                f"AWS rejected the credentials ({code}): they are invalid or expired; refresh them "
                "(`aws sso login`) or pick another --profile"
            )
        if code in _ACCESS_DENIED:
            return OperationError(f"permission denied for {operation}{where}: {message}")
        if code == "ValidationError" and "does not exist" in message:
            return OperationError(
                f"{message}{where}: check --stack and --region (stacks are per region; "
                "`aws cloudformation list-stacks` lists them)"
            )
        if code in _NOT_FOUND:
            return OperationError(
                f"not found{where} ({operation}: {message}): check --region and --stack/--suffix; "
                "was the pipeline deployed there?"
            )
        return OperationError(f"{operation} failed{where}: {code}: {message}")
    if isinstance(error, BotoCoreError):
        return OperationError(f"AWS client error{where}: {error}")
    raise error


def error_code(error: ClientError) -> str:
    """The AWS error code of ``error``."""
    return str(error.response.get("Error", {}).get("Code", ""))


def _where(connection: Connection | None) -> str:
    if connection is None:
        return ""
    try:
        region = connection.region or connection.session.region_name
    except OperationError:  # the profile itself is the problem
        region = None
    parts = [f"region {region}"] if region else []
    if connection.endpoint_url:
        parts.append(f"endpoint {connection.endpoint_url}")
    return f" ({', '.join(parts)})" if parts else ""
