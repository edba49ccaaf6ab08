"""Another team's events: its own field names, status list, JSON Schema and enrichment hook.

The tracking team's producers write ``trackingNumber``, ``occurredAt`` and
``status``; ``event_data`` must satisfy ``schemas/shipment-detail.schema.json``;
``hooks/enrich.py`` derives the route and region and redacts the signature
before each write. The schema is also published to an EventBridge schema
registry, so producer teams can download code bindings.

    cd examples/custom_contract && cdk synth -c environmentSuffix=prod
"""

import json
from pathlib import Path

from aws_cdk import App, CfnOutput, Stack
from constructs import Construct

from shipment_pipeline_constructs import EventContract, ProcessorOptions, RecordHook, ShipmentEventPipeline

HERE = Path(__file__).resolve().parent

#: The statuses the tracking team's producers send; any other is quarantined.
STATUSES = ["LABEL_CREATED", "PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION"]

CONTRACT = EventContract(
    id_field="trackingNumber",
    timestamp_field="occurredAt",
    type_field="status",
    event_types=STATUSES,
    detail_schema=json.loads((HERE / "schemas" / "shipment-detail.schema.json").read_text()),
    publish_schema=True,
)
HOOK = RecordHook.from_file(HERE / "hooks" / "enrich.py", "enrich:enrich")


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
