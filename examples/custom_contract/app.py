"""Another team's events: its own field names, status list, JSON Schema and enrichment hook.

The tracking team's producers write ``trackingNumber``, ``occurredAt`` and
``status``; ``detail`` must satisfy ``schemas/shipment-detail.schema.json``;
``hooks/enrich.py`` derives the route and region and redacts the signature
before each write (``tracking_contract.py`` holds both). The schema is also
published to an EventBridge schema registry for producer teams.

    cd examples/custom_contract && cdk synth -c environmentSuffix=prod
"""

import sys
from pathlib import Path

from aws_cdk import App, CfnOutput, Stack
from constructs import Construct

from shipment_pipeline_constructs import ProcessorOptions, ShipmentEventPipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tracking_contract, wherever the app is run from
from tracking_contract import CONTRACT, HOOK  # noqa: E402


class TrackingPipelineStack(Stack):
    """The tracking team's pipeline and the outputs its runbook needs."""

    def __init__(self, scope: Construct, construct_id: str, *, environment_suffix: str) -> None:
        super().__init__(scope, construct_id, description="Parcel tracking events (shipment-pipeline-constructs)")
        pipeline = ShipmentEventPipeline(
            self,
            "Pipeline",
            environment_suffix=environment_suffix,
            processor=ProcessorOptions(record_hook=HOOK),
            contract=CONTRACT,
        )

        CfnOutput(self, "EventBusName", value=pipeline.event_bus.event_bus_name)
        CfnOutput(self, "TableName", value=pipeline.table.table_name)
        CfnOutput(self, "ErrorsTableName", value=pipeline.errors_table.table_name)
        if pipeline.schema_registry is not None:
            CfnOutput(self, "SchemaRegistryName", value=pipeline.schema_registry.attr_registry_name)


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    TrackingPipelineStack(app, f"TrackingPipeline-{suffix}", environment_suffix=suffix)
    return app


if __name__ == "__main__":
    build_app().synth()
