"""Dev and prod pipelines from one app: different suffixes, sizes and alarm settings.

    cd examples/multi_env && cdk synth          # both stacks
    cdk deploy ShipmentPipeline-prod -c oncallEmail=oncall@example.com

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/multi_env/app.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import App, CfnOutput, Stack
from constructs import Construct

from shipment_pipeline_constructs import AlarmThresholds, IngestOptions, ScalingProfile, ShipmentEventPipeline


@dataclass(frozen=True)
class Environment:
    """What differs between environments; everything else is the construct's defaults."""

    suffix: str
    profile: ScalingProfile
    alarms: bool
    ttl_days: int
    archive_retention_days: int


ENVIRONMENTS = (
    # Dev: the reference load (30,000 events a day), no alarms (nobody is paged for dev), short retention.
    Environment(suffix="dev", profile=ScalingProfile.SMALL, alarms=False, ttl_days=7, archive_retention_days=1),
    # Prod: sized for ten times that load, every alarm, the defaults' retention.
    Environment(suffix="prod", profile=ScalingProfile.MEDIUM, alarms=True, ttl_days=90, archive_retention_days=7),
)


class ShipmentPipelineStack(Stack):
    """One environment's pipeline and the outputs ``shipment-pipeline --stack`` and the runbook use."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: Environment,
        oncall_email: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, description=f"Shipment event pipeline ({environment.suffix})", **kwargs)
        pipeline = ShipmentEventPipeline(
            self,
            "Pipeline",
            environment_suffix=environment.suffix,
            ttl_days=environment.ttl_days,
            ingest=IngestOptions(archive_retention_days=environment.archive_retention_days),
            alarm_emails=[oncall_email] if environment.alarms and oncall_email else [],
            **environment.profile.pipeline_props(alarms=None if environment.alarms else AlarmThresholds.disabled()),
        )
        CfnOutput(self, "EventBusName", value=pipeline.event_bus.event_bus_name)
        CfnOutput(self, "QueueUrl", value=pipeline.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=pipeline.dead_letter_queue.queue_url)
        CfnOutput(self, "ErrorsTableName", value=pipeline.errors_table.table_name)


def build_app(app: App | None = None) -> App:
    """Build both environments' stacks; tests call this instead of running the file."""
    app = app or App()
    oncall_email = app.node.try_get_context("oncallEmail")
    for environment in ENVIRONMENTS:
        ShipmentPipelineStack(
            app, f"ShipmentPipeline-{environment.suffix}", environment=environment, oncall_email=oncall_email
        )
    return app


if __name__ == "__main__":
    build_app().synth()
