"""The local stand-ins for the function and its event source mapping, configured from the template.

The template's own values (handler, environment, memory, timeout, batch
size, window, maximum concurrency, partial batch responses) configure the
local stand-ins; only time is compressed: every receive uses a visibility
timeout of ``visibility_timeout`` seconds instead of the queue's, and the
batching window shrinks by the same factor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .faults import FaultInjector
from .function import LocalFunction
from .poller import LocalEventSourceMapping
from .provision import Deployment, resolve
from .template import PipelineTemplate, TemplateError, code_dir

if TYPE_CHECKING:
    from types_boto3_lambda import LambdaClient
    from types_boto3_sqs import SQSClient

__all__ = ["event_source_mapping", "local_function", "max_receive_count", "run_settings"]

#: Local stand-in for "as many as Lambda scales to" when the mapping sets no maximum concurrency.
DEFAULT_CONCURRENCY = 5
#: What SQS and Lambda use when the template leaves a setting out.
_SQS_DEFAULT_VISIBILITY_TIMEOUT = 30
_LAMBDA_DEFAULT_TIMEOUT = 3
_LAMBDA_DEFAULT_MEMORY = 128
_SQS_DEFAULT_BATCH_SIZE = 10


def local_function(template: PipelineTemplate, deployment: Deployment) -> LocalFunction:
    """The bundled handler from the cloud assembly, with the template's environment resolved to the local resources."""
    props = template.properties("function")
    environment = {name: str(resolve(value, deployment)) for name, value in template.environment().items()}
    return LocalFunction(
        code_dir=code_dir(template),
        handler=props["Handler"],
        environment=environment,
        name=template.name("function") or template.logical_ids["function"],
        timeout_seconds=float(props.get("Timeout", _LAMBDA_DEFAULT_TIMEOUT)),
        memory_mb=int(props.get("MemorySize", _LAMBDA_DEFAULT_MEMORY)),
    )


def event_source_mapping(
    template: PipelineTemplate,
    deployment: Deployment,
    *,
    sqs: SQSClient,
    function: LocalFunction,
    visibility_timeout: int,
    faults: FaultInjector,
    lambda_client: LambdaClient | None = None,
) -> LocalEventSourceMapping:
    """The local poller, configured like the template's event source mapping (time compressed).

    With ``lambda_client``, it consumes only while the mapping :func:`.provision.provision`
    created in the emulator is enabled.
    """
    props = template.properties("event_source")
    if props.get("FilterCriteria"):
        raise TemplateError("the event source mapping has FilterCriteria, which the local poller does not apply")
    scale = visibility_timeout / float(_queue_visibility_timeout(template))
    queue_id = template.logical_ids["queue"]
    return LocalEventSourceMapping(
        sqs=sqs,
        queue_url=deployment.physical_id(template, "queue"),
        queue_arn=deployment.arns[queue_id],
        invoke=function.invoke,
        batch_size=int(props.get("BatchSize", _SQS_DEFAULT_BATCH_SIZE)),
        batching_window_seconds=batching_window(template) * min(1.0, scale),
        max_concurrency=int(props.get("ScalingConfig", {}).get("MaximumConcurrency", DEFAULT_CONCURRENCY)),
        visibility_timeout=visibility_timeout,
        report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
        faults=faults,
        enabled=_mapping_enabled(lambda_client, deployment.event_source_mapping) if lambda_client else None,
    )


def _mapping_enabled(lambda_client: LambdaClient, uuid: str) -> Callable[[], bool]:
    def enabled() -> bool:
        # moto applies Enabled at once: its mapping is either Enabled or Disabled.
        return lambda_client.get_event_source_mapping(UUID=uuid).get("State") == "Enabled"

    return enabled


def max_receive_count(template: PipelineTemplate) -> int:
    """Receives before SQS moves a message to the DLQ (the queue's redrive policy)."""
    return int(template.properties("queue")["RedrivePolicy"]["maxReceiveCount"])


def batching_window(template: PipelineTemplate) -> float:
    """The event source mapping's batching window in the template, in seconds."""
    return float(template.properties("event_source").get("MaximumBatchingWindowInSeconds", 0))


def run_settings(
    template: PipelineTemplate, deployment: Deployment, mapping: LocalEventSourceMapping, visibility_timeout: int
) -> dict[str, Any]:
    """The settings the run used, template values next to their local stand-ins."""
    return {
        "template": str(template.path),
        "code": str(code_dir(template)),
        "event_bus": deployment.bus_name,
        "batch_size": mapping.batch_size,
        "batching_window_seconds": {"template": batching_window(template), "local": mapping.batching_window_seconds},
        "max_concurrency": mapping.max_concurrency,
        "visibility_timeout_seconds": {
            "template": _queue_visibility_timeout(template),
            "local": visibility_timeout,
        },
        "max_receive_count": max_receive_count(template),
        "report_batch_item_failures": mapping.report_batch_item_failures,
    }


def _queue_visibility_timeout(template: PipelineTemplate) -> Any:
    return template.properties("queue").get("VisibilityTimeout", _SQS_DEFAULT_VISIBILITY_TIMEOUT)
