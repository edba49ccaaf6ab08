"""A pipeline sized for 3,000,000 events a day with the ``large`` scaling profile.

    cd examples/high_throughput && cdk synth -c environmentSuffix=prod

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/high_throughput/app.py``.
See what it costs: ``shipment-pipeline cost --events-per-day 3000000 --template cdk.out/<Stack>.template.json``.
"""

from __future__ import annotations

from aws_cdk import App, CfnOutput, Stack
from constructs import Construct

from shipment_pipeline_constructs import ProcessorOptions, ScalingProfile, ShipmentEventPipeline

EVENTS_PER_DAY = 3_000_000


class HighThroughputPipelineStack(Stack):
    """The pipeline with the profile's polling, provisioned table and alarm thresholds."""

    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str) -> None:
        super().__init__(scope, construct_id, description="Shipment event pipeline sized for 3M events a day")
        profile = ScalingProfile.for_events_per_day(EVENTS_PER_DAY)
        pipeline = ShipmentEventPipeline(
            self,
            "Pipeline",
            environment_suffix=environment_suffix,
            # Explicit props win over the profile: batches of 100 write faster with more memory (and CPU).
            **profile.pipeline_props(processor=ProcessorOptions(memory_size_mib=1024)),
        )
        CfnOutput(self, "EventBusName", value=pipeline.event_bus.event_bus_name)
        CfnOutput(self, "QueueUrl", value=pipeline.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=pipeline.dead_letter_queue.queue_url)
        CfnOutput(self, "ErrorsTableName", value=pipeline.errors_table.table_name)


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    HighThroughputPipelineStack(app, f"ShipmentPipelineHighThroughput-{suffix}", environment_suffix=suffix)
    return app


if __name__ == "__main__":
    build_app().synth()
