"""The processor inside the team's existing VPC, in isolated subnets, reaching DynamoDB and SQS through endpoints.

    cd examples/vpc && cdk synth -c environmentSuffix=prod \
        -c vpcId=vpc-... -c subnetIds=subnet-a,subnet-b -c routeTableIds=rtb-a,rtb-b

or, without the CDK CLI: ``CDK_OUTDIR=cdk.out python examples/vpc/app.py`` (placeholder ids).
The VPC is described from context rather than looked up, so synthesis needs no AWS credentials;
``ec2.Vpc.from_lookup`` works as well in an app that may call AWS while synthesizing.
"""

from __future__ import annotations

from aws_cdk import App, CfnOutput, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from shipment_pipeline_constructs import ShipmentEventPipeline

PLACEHOLDERS = {
    "vpcId": "vpc-0123456789abcdef0",
    "availabilityZones": "eu-west-1a,eu-west-1b",
    "subnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "routeTableIds": "rtb-0123456789abcdef0,rtb-0123456789abcdef1",
    "vpcCidr": "10.0.0.0/16",
}


class VpcPipelineStack(Stack):
    """The pipeline with its function in isolated subnets; the construct adds the endpoints it needs."""

    def __init__(
        self, scope: Construct, construct_id: str, *, environment_suffix: str, network: dict[str, str], **kwargs
    ) -> None:
        super().__init__(
            scope, construct_id, description="Shipment event pipeline with the processor in a VPC", **kwargs
        )
        vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "TeamVpc",
            vpc_id=network["vpcId"],
            availability_zones=network["availabilityZones"].split(","),
            isolated_subnet_ids=network["subnetIds"].split(","),
            isolated_subnet_route_table_ids=network["routeTableIds"].split(","),
            vpc_cidr_block=network["vpcCidr"],
        )
        pipeline = ShipmentEventPipeline(
            self,
            "Pipeline",
            environment_suffix=environment_suffix,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            # With no NAT the function can reach only what has an endpoint: the construct adds a
            # DynamoDB gateway endpoint and an SQS interface endpoint (vpc_endpoints=True, the default).
        )
        CfnOutput(self, "EventBusName", value=pipeline.event_bus.event_bus_name)
        CfnOutput(self, "QueueUrl", value=pipeline.queue.queue_url)
        CfnOutput(self, "DeadLetterQueueUrl", value=pipeline.dead_letter_queue.queue_url)
        CfnOutput(self, "ErrorsTableName", value=pipeline.errors_table.table_name)


def build_app(app: App | None = None) -> App:
    """Build the example app; tests call this instead of running the file."""
    app = app or App()
    network = {name: app.node.try_get_context(name) or default for name, default in PLACEHOLDERS.items()}
    region = network["availabilityZones"].split(",")[0][:-1]
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    VpcPipelineStack(
        app,
        f"ShipmentPipelineInVpc-{suffix}",
        environment_suffix=suffix,
        network=network,
        env=Environment(region=region),
    )
    return app


if __name__ == "__main__":
    build_app().synth()
