"""A platform team's pipeline with every guardrail on.

Its own KMS key on everything that holds data, producers in two other accounts and the whole organization,
the organization's permissions boundary and role path on every role, the events table's change stream,
alarms routed by severity (critical to the pager, warnings to a ticket queue), and canary deploys rolled
back by the processor's alarms.

    cd examples/platform_guardrails && cdk synth

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/platform_guardrails/app.py``.
"""

from __future__ import annotations

from aws_cdk import App, CfnOutput, Stack
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from shipment_pipeline_constructs import (
    AlarmRouting,
    IngestOptions,
    ProcessorOptions,
    ShipmentEventPipeline,
    StorageOptions,
)

#: Accounts whose producers put shipment events on the bus (the organization's other members may too).
PRODUCER_ACCOUNTS = ("111111111111", "222222222222")
ORGANIZATION_ID = "o-a1b2c3d4e5"
#: The boundary the organization requires on every role (its SCP denies iam:CreateRole without it).
BOUNDARY_POLICY_NAME = "workload-boundary"
ROLE_PATH = "/workloads/shipments/"
#: The on-call topics the platform team already runs.
PAGER_TOPIC = "oncall-pager"
TICKETS_TOPIC = "oncall-tickets"


class PlatformStack(Stack):
    """The pipeline inside a platform team's guardrails."""

    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str) -> None:
        super().__init__(scope, construct_id, description="Shipment pipeline inside the platform's guardrails")
        key = kms.Key(
            self,
            "PipelineKey",
            alias=f"alias/shipment-pipeline-{environment_suffix}",
            description="Shipment pipeline data at rest: queues, tables, bus, archive, logs, alarm topic",
            enable_key_rotation=True,
        )
        boundary = iam.ManagedPolicy.from_managed_policy_name(self, "Boundary", BOUNDARY_POLICY_NAME)
        pager = sns.Topic.from_topic_arn(self, "Pager", self.format_arn(service="sns", resource=PAGER_TOPIC))
        tickets = sns.Topic.from_topic_arn(self, "Tickets", self.format_arn(service="sns", resource=TICKETS_TOPIC))

        pipeline = ShipmentEventPipeline(
            self,
            "Shipments",
            environment_suffix=environment_suffix,
            encryption_key=key,
            ingest=IngestOptions(producer_accounts=PRODUCER_ACCOUNTS, producer_organization_id=ORGANIZATION_ID),
            # 15 minutes: long enough for the function-error alarm (2 of 3 five-minute periods) to stop the canary.
            processor=ProcessorOptions(deployment=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_15_MINUTES),
            storage=StorageOptions(stream=dynamodb.StreamViewType.NEW_IMAGE),
            alarm_routing=AlarmRouting(critical=pager, warning=tickets),
            permissions_boundary=boundary,
            role_path=ROLE_PATH,
        )

        CfnOutput(self, "EventBusArn", value=pipeline.event_bus.event_bus_arn)
        CfnOutput(self, "TableStreamArn", value=pipeline.table_stream_arn or "")
        CfnOutput(
            self, "PipelineUnhealthyAlarm", value=pipeline.unhealthy_alarm.alarm_arn if pipeline.unhealthy_alarm else ""
        )


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    PlatformStack(app, f"ShipmentPipelinePlatform-{suffix}", environment_suffix=suffix)
    return app


if __name__ == "__main__":
    build_app().synth()
