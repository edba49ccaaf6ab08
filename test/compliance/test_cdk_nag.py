"""Zero unacknowledged cdk-nag findings (AwsSolutions, Serverless, NIST 800-53 R5).

Over the default pipeline, every example app, and the configurations a
security review asks about: a customer managed key, a VPC, an AWS Backup
plan, existing resources. The packs run on shared stacks (about 0.5 s per
stack); acknowledgments are conditional, so a user's own weaker choice
still shows up as a finding.
"""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from stacks import build_stack, example_names, existing_resources_pipeline, synth_example, tuned_pipeline

from shipment_pipeline_constructs import ProcessorOptions, ShipmentEventPipeline
from shipment_pipeline_constructs.compliance import unacknowledged_findings


def _with_key_and_reserved_concurrency(stack: Stack) -> ShipmentEventPipeline:
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="kms",
        physical_names=False,
        encryption_key=kms.Key(stack, "Key", enable_key_rotation=True),
        processor=ProcessorOptions(reserved_concurrency=10),
        alarm_emails=["ops@example.com"],
    )


def imported_vpc(stack: Stack) -> ec2.IVpc:
    """A VPC with two isolated subnets, imported: the user's VPC is not the library's to check."""
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        isolated_subnet_route_table_ids=["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"],
        vpc_cidr_block="10.0.0.0/16",
    )


def _in_vpc_with_backup_plan(stack: Stack) -> ShipmentEventPipeline:
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="vpc",
        vpc=imported_vpc(stack),
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        backup_plan=True,
    )


@pytest.fixture(scope="session")
def with_key():
    """Customer managed key, reserved concurrency, e-mail subscription, CloudFormation-chosen names."""
    return build_stack("compliance-kms", _with_key_and_reserved_concurrency)


@pytest.fixture(scope="session")
def in_vpc():
    """The function in a VPC (with endpoints) and the tables in an AWS Backup plan."""
    return build_stack("compliance-vpc-backup", _in_vpc_with_backup_plan)


def rules(findings) -> list[str]:
    return sorted(f"{finding.rule_id} at {finding.path}" for finding in findings)


def test_default_pipeline(default_pipeline):
    assert rules(unacknowledged_findings(default_pipeline[0])) == []


@pytest.mark.slow  # synthesizes an example app
@pytest.mark.parametrize("name", example_names())
def test_every_example_app(name):
    app, _ = synth_example(name)
    stacks = [child for child in app.node.children if isinstance(child, Stack)]
    assert stacks
    for stack in stacks:
        assert rules(unacknowledged_findings(stack)) == [], stack.stack_name


def test_with_customer_managed_key_reserved_concurrency_and_email(with_key):
    assert rules(unacknowledged_findings(with_key[0])) == []


@pytest.fixture(scope="session")
def keyed_configurations():
    """The given key with physical names (every key policy condition exact), and an imported key (no statement added)."""
    from test_encryption import _imported_key, _keyed

    return [build_stack("encryption-keyed", _keyed), build_stack("encryption-imported-key", _imported_key)]


def test_with_a_customer_managed_key_everywhere_and_with_an_imported_key(keyed_configurations):
    for stack, _, _ in keyed_configurations:
        assert rules(unacknowledged_findings(stack)) == [], stack.stack_name


def test_inside_a_vpc_with_a_backup_plan(in_vpc):
    assert rules(unacknowledged_findings(in_vpc[0])) == []


def test_with_existing_bus_table_and_key():
    assert rules(unacknowledged_findings(existing_resources_pipeline()[0])) == []


def test_a_users_weaker_choices_are_reported_not_hidden():
    tuned = tuned_pipeline()
    # tuned: tracing off, point-in-time recovery off on the events table.
    assert rules(unacknowledged_findings(tuned[0])) == [
        "AwsSolutions-DDB3 at TestStack/Pipeline/EventsTable/Resource",
        "NIST.800.53.R5-DynamoDBInBackupPlan at TestStack/Pipeline/EventsTable/Resource",
        "NIST.800.53.R5-DynamoDBPITREnabled at TestStack/Pipeline/EventsTable/Resource",
        "Serverless-LambdaTracing at TestStack/Pipeline/Processor/Resource",
    ]


def test_vpc_option_adds_the_endpoints_the_function_calls_reachable_from_it_only(in_vpc):
    stack, pipeline, template = in_vpc
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Gateway", "RouteTableIds": ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"]},
    )
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.eu-west-1.sqs", "PrivateDnsEnabled": True},
    )
    function_group = stack.get_logical_id(pipeline.function.connections.security_groups[0].node.default_child)
    ingress = template.find_resources("AWS::EC2::SecurityGroupIngress")
    assert [rule["Properties"]["SourceSecurityGroupId"] for rule in ingress.values()] == [
        {"Fn::GetAtt": [function_group, "GroupId"]}
    ]
    role = template.to_json()["Resources"][stack.get_logical_id(pipeline.role.node.default_child)]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaENIManagementAccess"],
            ]
        }
    ]
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "VpcConfig": {
                "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                "SecurityGroupIds": [{"Fn::GetAtt": [function_group, "GroupId"]}],
            }
        },
    )


def test_backup_plan_backs_up_both_tables_daily_for_35_days(in_vpc):
    _, _, template = in_vpc
    template.has_resource_properties(
        "AWS::Backup::BackupPlan",
        {
            "BackupPlan": {
                "BackupPlanName": "shipment-events-vpc",
                "BackupPlanRule": [
                    {
                        "RuleName": "Daily",
                        "Lifecycle": {"DeleteAfterDays": 35},
                        "ScheduleExpression": "cron(0 5 * * ? *)",
                        "TargetBackupVault": {"Fn::GetAtt": ["PipelineBackupPlanVaultA8E432AB", "BackupVaultName"]},
                    }
                ],
            }
        },
    )
    template.has_resource_properties(
        "AWS::Backup::BackupSelection",
        {
            "BackupSelection": {
                "Resources": [
                    {"Fn::GetAtt": ["PipelineEventsTableCF2EDC92", "Arn"]},
                    {"Fn::GetAtt": ["PipelineErrorsTable7374816B", "Arn"]},
                ],
                "SelectionName": "Tables",
                "IamRoleArn": {"Fn::GetAtt": ["PipelineBackupPlanTablesRoleD23D1018", "Arn"]},
            }
        },
    )


def _pipeline_next_to_the_users_own_resources(stack: Stack) -> ShipmentEventPipeline:
    pipeline = ShipmentEventPipeline(stack, "Pipeline", environment_suffix="neighbours")
    lambda_.Function(
        stack,
        "UserFunction",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("x"),
    )
    sqs.Queue(stack, "UserQueue", enforce_ssl=True)
    return pipeline


def test_the_librarys_acknowledgments_do_not_hide_the_same_rules_on_the_users_resources():
    # aws-cdk issue 38495: acknowledgments once applied app-wide by rule id. Ours must stay on our resources.
    stack, _, _ = build_stack("compliance-neighbours", _pipeline_next_to_the_users_own_resources)
    found = {(finding.rule_id, finding.path.split("/")[1]) for finding in unacknowledged_findings(stack)}
    assert not [path for _, path in found if path == "Pipeline"]
    assert {
        ("AwsSolutions-SQS3", "UserQueue"),
        ("Serverless-SQSRedrivePolicy", "UserQueue"),
        ("Serverless-LambdaDLQ", "UserFunction"),
        ("NIST.800.53.R5-LambdaDLQ", "UserFunction"),
        ("NIST.800.53.R5-LambdaInsideVPC", "UserFunction"),
        ("NIST.800.53.R5-LambdaConcurrency", "UserFunction"),
    } <= found


def test_packs_registered_as_synthesis_plugins_pass_too():
    # What users do in their apps: Validations.of(app).add_plugins(...); synthesis fails on any finding.
    from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks

    app = App()
    ShipmentEventPipeline(Stack(app, "Plugins"), "Pipeline", environment_suffix="plugins")
    Validations.of(app).add_plugins(AwsSolutionsChecks(), ServerlessChecks(), NIST80053R5Checks())
    app.synth()
