"""The reference stack: one ShipmentEventPipeline with the defaults, plus outputs.

    cd examples/basic && cdk synth -c environmentSuffix=prod

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/basic/app.py``.
"""

from aws_cdk import App, CfnOutput, Stack
from constructs import Construct

from shipment_pipeline_constructs import ShipmentEventPipeline


class ShipmentPipelineStack(Stack):
    """A stack holding the pipeline and the outputs the runbook needs."""

    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str) -> None:
        super().__init__(scope, construct_id, description="Shipment event pipeline (shipment-pipeline-constructs)")
        pipeline = ShipmentEventPipeline(self, "Pipeline", environment_suffix=environment_suffix)

        CfnOutput(self, "EventBusName", value=pipeline.event_bus.event_bus_name)
        CfnOutput(self, "QueueUrl", value=pipeline.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=pipeline.dead_letter_queue.queue_url)
        CfnOutput(self, "TableName", value=pipeline.table.table_name)
        CfnOutput(self, "ErrorsTableName", value=pipeline.errors_table.table_name)


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    ShipmentPipelineStack(app, f"ShipmentPipeline-{suffix}", environment_suffix=suffix)
    return app


if __name__ == "__main__":
    build_app().synth()
