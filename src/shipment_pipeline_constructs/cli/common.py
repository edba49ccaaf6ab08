"""What the subcommands share: parsers with examples, connection and pipeline options, JSON output, errors."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..ops.aws import Connection, OperationError, explain
from ..ops.resources import PipelineResources
from .arguments import environment_suffix

#: Exit codes: 0 ok, 1 the operation found a problem (unhealthy, failed entries), 2 it could not run.
EXIT_PROBLEM = 1
EXIT_ERROR = 2

#: The package's optional extras and the modules each provides.
EXTRAS = {"local": ("moto",), "compliance": ("cdk_nag", "cfnlint", "cfn_lint_serverless")}


class StepFailed(RuntimeError):
    """A step of a command that runs several (``demo``) failed; the message is the one line to print."""

    def __init__(self, message: str, exit_code: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class MissingExtraError(RuntimeError):
    """An optional extra of the package is not installed; the message says how to install it."""


def require_extra(extra: str, purpose: str) -> None:
    """Raise :class:`MissingExtraError` unless every module of the optional ``extra`` is importable."""
    missing = [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]
    if missing:
        raise MissingExtraError(
            f"{purpose} needs the '{extra}' extra ({', '.join(missing)} not installed): "
            f"pip install 'shipment-pipeline-constructs[{extra}]'"
        )


def add_parser(
    subparsers: argparse._SubParsersAction, name: str, *, help: str, description: str, example: str
) -> argparse.ArgumentParser:
    """A subcommand parser whose description ends with an example."""
    return subparsers.add_parser(
        name,
        help=help,
        description=f"{description}\n\nexample:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--region``, ``--profile``, ``--endpoint-url`` and ``--json``."""
    group = parser.add_argument_group("connection")
    group.add_argument("--region", help="AWS region (default: the profile's or AWS_REGION)")
    group.add_argument("--profile", help="AWS named profile (default: the default credential chain)")
    group.add_argument("--endpoint-url", help="send every request here, e.g. the local emulator http://127.0.0.1:5000")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts instead of text")


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """How to find the pipeline: ``--stack`` or ``--suffix``, and explicit names that override either."""
    where = parser.add_argument_group("which pipeline (one of --stack / --suffix, or explicit names)")
    where.add_argument("--stack", help="a deployed stack holding the pipeline (resources found by construct path)")
    where.add_argument(
        "--construct-path", help="the pipeline's construct path when the stack holds several, e.g. MyStack/Orders"
    )
    where.add_argument(
        "--suffix",
        type=environment_suffix,
        help="the pipeline's environment suffix (names as ShipmentEventPipeline derives them)",
    )
    names = parser.add_argument_group("explicit resource names (override --stack / --suffix)")
    names.add_argument("--bus", dest="event_bus", help="event bus name")
    names.add_argument("--rule", help="rule name")
    names.add_argument("--archive", help="archive name")
    names.add_argument("--queue", help="source queue name or URL")
    names.add_argument("--dlq", dest="dead_letter_queue", help="dead-letter queue name or URL")
    names.add_argument("--quarantine-queue", dest="quarantine_queue", help="quarantine queue name or URL")
    names.add_argument("--target-dlq", dest="target_dead_letter_queue", help="EventBridge target DLQ name or URL")
    names.add_argument("--function", help="processor function name")
    names.add_argument("--events-table", help="events table name")
    names.add_argument("--errors-table", help="errors table name")
    names.add_argument(
        "--pipeline-name",
        dest="pipeline_name",
        help="the pipeline's name (shipment-events-SUFFIX), from which its alarm names are built",
    )
    names.add_argument(
        "--event-source-mapping",
        dest="event_source",
        metavar="UUID",
        help="the UUID of the queue's event source mapping (default: the one reading the source queue)",
    )


def add_operation_arguments(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int]) -> None:
    """Finish a subcommand that operates on a pipeline: where it is, how to connect, and its guarded handler."""
    add_pipeline_arguments(parser)
    add_connection_arguments(parser)
    parser.set_defaults(handler=guarded(run))


def target(args: argparse.Namespace) -> tuple[Connection, PipelineResources]:
    """The connection and the pipeline the arguments ask for."""
    conn = connection(args)
    return conn, pipeline_resources(args, conn)


def connection(args: argparse.Namespace) -> Connection:
    """The connection the arguments ask for."""
    return Connection(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url)


def pipeline_resources(args: argparse.Namespace, conn: Connection) -> PipelineResources:
    """The pipeline the arguments point at."""
    if args.stack and args.suffix:
        raise OperationError("pass --stack or --suffix, not both")
    if args.stack:
        found = PipelineResources.from_stack(conn, args.stack, args.construct_path)
    elif args.suffix:
        found = PipelineResources.from_suffix(args.suffix)
    else:
        found = PipelineResources()
    return found.with_overrides(
        **{field: getattr(args, field, None) for field in PipelineResources.__dataclass_fields__}
    )


def read_template(path: Path) -> dict[str, Any]:
    """The CloudFormation template in the JSON file ``path`` (a ``--template`` option's value).

    Raises :class:`OperationError` naming the file when it cannot be read or parsed, or holds JSON that is not
    an object (a template is an object with ``Resources``).
    """
    try:
        template = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise OperationError(f"cannot read template {path}: {error}") from None
    if not isinstance(template, dict):
        raise OperationError(
            f"{path} is not a CloudFormation template: it holds a JSON {type(template).__name__}, "
            "not an object with Resources (pass cdk.out/<Stack>.template.json)"
        )
    return template


def print_json(value: Any) -> None:
    """One JSON document on stdout."""
    print(json.dumps(value, indent=2, default=str))


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn AWS and operation errors into one ``error:`` line on stderr and exit code 2."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except (OperationError, ClientError, BotoCoreError) as error:
            conn = connection(args) if hasattr(args, "region") else None
            try:
                message = str(explain(error, conn))
            except Exception:  # noqa: BLE001 - explaining must never hide the original error
                message = str(error)
            print(f"error: {message}", file=sys.stderr)
            return EXIT_ERROR
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_ERROR

    handler.__doc__ = run.__doc__
    return handler
