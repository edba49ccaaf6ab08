"""Safe deploys: the processor's versions behind the alias ``live``, shifted by AWS CodeDeploy.

Only with ``ProcessorOptions(deployment=...)``. Each change of the function
publishes a new version (``Function.current_version``); the event source
mapping invokes the alias ``live``, and a CodeDeploy deployment group moves
the alias from the old version to the new one as the deployment config says
(e.g. 10% of invocations for 5 minutes, then all). When a rollback alarm
goes off during that time, or the deployment fails or is stopped, CodeDeploy
points the alias back at the old version.

Without the option nothing here runs: no alias, no version, and the
template is exactly what it was before the option existed.

With an SQS source the alias's weights split *invocations*, not messages:
the poller invokes ``live`` with whole batches, so about that share of the
batches run on the new version, and a batch the new version fails returns
to the queue and is retried by either version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .. import defaults
from ..shape import ALARM_ID, PARTS

#: The alarms a processor version can trip and that clear when it is rolled back:
#: rates of the function's own failures, not queues a person must empty first.
#: The others would either roll back for causes a new version cannot have (throttles,
#: EventBridge delivery, table capacity) or, being states that last until someone acts
#: (a message in the DLQ or the quarantine queue, a backlog), stop every deployment,
#: a fix included, while they last.
ROLLBACK_ALARM_IDS: tuple[str, ...] = (
    ALARM_ID.function_errors,
    ALARM_ID.quarantined_events,
    ALARM_ID.conflicts,
)


@dataclass(frozen=True)
class DeployResources:
    """What safe deploys add.

    Attributes:
        deployment_group: The CodeDeploy deployment group that shifts the alias
            (its application and service role are its children).
    """

    deployment_group: codedeploy.LambdaDeploymentGroup


def create_live_alias(scope: Construct, function: lambda_.Function) -> lambda_.Alias:
    """The alias ``live`` on the function's current version: what the event source mapping invokes.

    Creating it publishes a version of the function for each change of its
    code or configuration (the version's logical ID carries a hash of both).
    """
    return lambda_.Alias(
        scope,
        PARTS["live_alias"].construct_id,
        alias_name=defaults.LIVE_ALIAS,
        version=function.current_version,
        description="The processor version the queue's event source mapping invokes (shifted by CodeDeploy)",
    )


def create_deployment_group(
    scope: Construct,
    *,
    alias: lambda_.Alias,
    config: codedeploy.ILambdaDeploymentConfig,
    rollback_alarms: Sequence[cloudwatch.IAlarm],
) -> DeployResources:
    """The CodeDeploy deployment group that shifts ``alias`` by ``config`` and rolls back on ``rollback_alarms``.

    It rolls back when a deployment fails, is stopped, or when any of
    ``rollback_alarms`` is in ALARM while it runs. With no alarm (every
    rollback alarm turned off) the group has no alarm configuration: it still
    shifts gradually and rolls back on failure or a stop request.
    """
    group = codedeploy.LambdaDeploymentGroup(
        scope,
        PARTS["deployment_group"].construct_id,
        alias=alias,
        deployment_config=config,
        alarms=list(rollback_alarms),
        auto_rollback=codedeploy.AutoRollbackConfig(
            failed_deployment=True, stopped_deployment=True, deployment_in_alarm=bool(rollback_alarms)
        ),
    )
    return DeployResources(deployment_group=group)
