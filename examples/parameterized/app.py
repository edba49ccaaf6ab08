"""The environment suffix as a CloudFormation parameter, for ``cdk deploy --parameters EnvironmentSuffix=prod``.

    cd examples/parameterized && cdk deploy --parameters EnvironmentSuffix=prod

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/parameterized/app.py``.
The template holds one stack for every environment; each name is an
``Fn::Join`` of its prefix and the parameter, resolved by CloudFormation at
deploy time. README.md says when to prefer ``-c environmentSuffix=...``.
"""

from __future__ import annotations

from aws_cdk import App, CfnOutput, CfnParameter, Stack
from constructs import Construct

from shipment_pipeline_constructs import ShipmentEventPipeline
from shipment_pipeline_constructs.naming import MAX_SUFFIX_LENGTH, SUFFIX_PATTERN


class ParameterizedPipelineStack(Stack):
    """The pipeline named after the ``EnvironmentSuffix`` parameter, which CloudFormation checks before creating anything."""

    def __init__(self, scope: Construct, construct_id: str, *, default_suffix: str) -> None:
        super().__init__(scope, construct_id, description="Shipment event pipeline, suffix chosen at deploy time")
        # Synthesis cannot check a value it does not know yet, so CloudFormation checks it: the same
        # rule as the construct's own validation of a literal suffix.
        suffix = CfnParameter(
            self,
            "EnvironmentSuffix",
            default=default_suffix,
            description="Ends every resource name, e.g. prod gives shipment-events-prod",
            allowed_pattern=SUFFIX_PATTERN.pattern,
            max_length=MAX_SUFFIX_LENGTH,
            constraint_description="lower-case letters, digits and inner hyphens",
        )
        pipeline = ShipmentEventPipeline(self, "Pipeline", environment_suffix=suffix.value_as_string)

        CfnOutput(self, "EventBusName", value=pipeline.event_bus.event_bus_name)
        CfnOutput(self, "QueueUrl", value=pipeline.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=pipeline.dead_letter_queue.queue_url)
        CfnOutput(self, "TableName", value=pipeline.table.table_name)
        CfnOutput(self, "ErrorsTableName", value=pipeline.errors_table.table_name)


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    # -c environmentSuffix=... sets the parameter's default; --parameters EnvironmentSuffix=... wins at deploy time.
    default_suffix = app.node.try_get_context("environmentSuffix") or "dev"
    ParameterizedPipelineStack(
        app, app.node.try_get_context("stackName") or "ShipmentPipeline", default_suffix=default_suffix
    )
    return app


if __name__ == "__main__":
    build_app().synth()
