"""IAM guardrails: a permissions boundary and a path on every role the pipeline causes, tags everywhere.

Each configuration that creates a role of its own (the processor's, AWS
Backup's) or makes aws-cdk-lib add one is synthesized with both settings,
and the template is walked: every ``AWS::IAM::Role`` must carry them.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import jsii
import pytest
from aws_cdk import App, Aspects, CfnResource, IAspect, ITaggable, ITaggableV2, RemovalPolicy, Stack, TagManager, Tags
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template
from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER
from constructs import IConstruct
from stacks import build_stack

from shipment_pipeline_constructs import (
    IngestOptions,
    PipelineValidationError,
    ProcessorOptions,
    ProvisionedCapacity,
    ShipmentEventPipeline,
    StorageOptions,
)
from shipment_pipeline_constructs.compliance import unacknowledged_findings
from shipment_pipeline_constructs.stages.guardrails import StackScopeRecorder, apply_role_guardrails

BOUNDARY_NAME = "platform-boundary"
ROLE_PATH = "/platform/shipments/"
REGION = "eu-west-1"


def boundary_arn(account: str = "111111111111", name: str = BOUNDARY_NAME) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{account}:policy/{name}"]]}


def guarded(stack: Stack, **props) -> ShipmentEventPipeline:
    """The pipeline with ``props``, the organization's boundary and a role path."""
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        permissions_boundary=iam.ManagedPolicy.from_managed_policy_name(stack, "Boundary", BOUNDARY_NAME),
        role_path=ROLE_PATH,
        **props,
    )


def _imported_vpc(stack: Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        isolated_subnet_route_table_ids=["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"],
        vpc_cidr_block="10.0.0.0/16",
    )


#: Every configuration that changes which roles exist, and the roles it has (construct path below the stack).
CONFIGURATIONS: dict[str, tuple[Callable[[Stack], ShipmentEventPipeline], set[str]]] = {
    "default": (guarded, {"Pipeline/ProcessorRole"}),
    "vpc-and-backup-plan": (
        lambda stack: guarded(
            stack,
            vpc=_imported_vpc(stack),
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            backup_plan=True,
            alarm_emails=["ops@example.com"],
        ),
        {"Pipeline/ProcessorRole", "Pipeline/BackupPlan/Tables/Role"},
    ),
    # DynamoDB auto scaling uses its service-linked role: no role in the template.
    "provisioned-stream-producers": (
        lambda stack: guarded(
            stack,
            storage=StorageOptions(provisioned=ProvisionedCapacity(), stream=dynamodb.StreamViewType.NEW_IMAGE),
            ingest=IngestOptions(producer_accounts=["222222222222"], producer_organization_id="o-a1b2c3d4e5"),
        ),
        {"Pipeline/ProcessorRole"},
    ),
    "existing-bus-table-and-key": (
        lambda stack: guarded(
            stack,
            physical_names=False,
            event_bus=events.EventBus.from_event_bus_name(stack, "TeamBus", "team-bus"),
            table=dynamodb.Table.from_table_name(stack, "TeamTable", "team-shipments"),
            encryption_key=kms.Key(stack, "TeamKey", enable_key_rotation=True),
        ),
        {"Pipeline/ProcessorRole"},
    ),
    # CodeDeploy's service role, which the deployment group creates.
    "safe-deploys": (
        lambda stack: guarded(
            stack, processor=ProcessorOptions(deployment=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES)
        ),
        {"Pipeline/ProcessorRole", "Pipeline/ProcessorDeployment/ServiceRole"},
    ),
}


@pytest.fixture(scope="module", params=sorted(CONFIGURATIONS))
def configuration(request):
    build, roles = CONFIGURATIONS[request.param]
    return (*build_stack(f"guardrails-{request.param}", build), roles)


def roles_of(template: Template) -> dict[str, Any]:
    return dict(template.find_resources("AWS::IAM::Role"))


def role_paths(stack: Stack) -> dict[str, str]:
    """Logical ID -> construct path (below the stack) of every role resource in ``stack``."""
    return {
        stack.get_logical_id(node): node.node.path.removeprefix(f"{stack.node.path}/").removesuffix("/Resource")
        for node in stack.node.find_all()
        if isinstance(node, CfnResource) and node.cfn_resource_type == "AWS::IAM::Role"
    }


def test_every_role_in_the_template_gets_the_boundary_and_the_path(configuration):
    stack, _, template, expected_roles = configuration
    roles = roles_of(template)
    paths = role_paths(stack)
    assert set(roles) == set(paths)
    assert set(paths.values()) == expected_roles
    for logical_id, role in roles.items():
        assert role["Properties"]["PermissionsBoundary"] == boundary_arn(), logical_id
        assert role["Properties"]["Path"] == ROLE_PATH, logical_id


def test_every_guarded_configuration_has_no_unacknowledged_findings(configuration):
    assert [str(finding) for finding in unacknowledged_findings(configuration[0])] == []


def test_without_the_settings_roles_get_neither(default_template):
    for role in roles_of(default_template).values():
        assert "PermissionsBoundary" not in role["Properties"]
        assert "Path" not in role["Properties"]


def _pipeline_next_to_the_users_role(stack: Stack) -> ShipmentEventPipeline:
    pipeline = guarded(stack, environment_suffix="neighbour")
    iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    return pipeline


def test_the_users_own_roles_are_left_alone():
    stack, _, template = build_stack("guardrails-neighbour", _pipeline_next_to_the_users_role)
    user_role = template.to_json()["Resources"][
        stack.get_logical_id(stack.node.find_child("UserRole").node.default_child)
    ]
    assert "PermissionsBoundary" not in user_role["Properties"]
    assert "Path" not in user_role["Properties"]


def test_roles_aws_cdk_lib_adds_at_stack_scope_while_the_pipeline_is_built_get_the_guardrails():
    # A singleton (custom resource provider, log retention...) lives at stack scope, not below the construct.
    stack = Stack(App(), "Singletons")
    recorder = StackScopeRecorder(stack)
    lambda_.SingletonFunction(
        stack,
        "CausedByThePipeline",
        uuid="9b7b1a2c-7e2b-4c9b-9a55-1d0c9e6f3a11",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    caused = recorder.added()
    iam.Role(stack, "UsersRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    apply_role_guardrails(
        caused,
        permissions_boundary=iam.ManagedPolicy.from_managed_policy_name(stack, "Boundary", BOUNDARY_NAME),
        role_path=ROLE_PATH,
    )
    resources = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    roles = {path: resources[logical_id]["Properties"] for logical_id, path in role_paths(stack).items()}
    singleton_role = next(props for path, props in roles.items() if path.startswith("SingletonLambda"))
    assert singleton_role["PermissionsBoundary"] == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, f":policy/{BOUNDARY_NAME}"],
        ]
    }
    assert singleton_role["Path"] == ROLE_PATH
    assert "PermissionsBoundary" not in roles["UsersRole"]


@jsii.implements(IAspect)
class CostCentreTags:
    """A user's own tagging Aspect: a cost centre on everything taggable."""

    def visit(self, node: IConstruct) -> None:
        if TagManager.is_taggable(node):
            typing.cast(ITaggable, node).tags.set_tag("cost-centre", "cc-1234")
        elif TagManager.is_taggable_v2(node):
            typing.cast(ITaggableV2, node).cdk_tag_manager.set_tag("cost-centre", "cc-1234")


def _users_aspects_on_the_stack(stack: Stack) -> ShipmentEventPipeline:
    iam.PermissionsBoundary.of(stack).apply(
        iam.ManagedPolicy.from_managed_policy_name(stack, "StackBoundary", "stack-boundary")
    )
    Aspects.of(stack).add(CostCentreTags())
    pipeline = ShipmentEventPipeline(stack, "Pipeline", environment_suffix="aspects", backup_plan=True)
    # The team's own role next to the pipeline, under the same stack-wide boundary.
    iam.Role(stack, "TeamRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    return pipeline


def test_a_users_permissions_boundary_and_tagging_aspect_synthesize_cleanly():
    stack, _, template = build_stack("guardrails-users-aspects", _users_aspects_on_the_stack)
    annotations = Annotations.from_stack(stack)
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []
    for role in roles_of(template).values():
        assert role["Properties"]["PermissionsBoundary"] == boundary_arn(name="stack-boundary")
    assert not untagged(template, "cost-centre", "cc-1234")


def _both_boundaries(stack: Stack) -> ShipmentEventPipeline:
    iam.PermissionsBoundary.of(stack).apply(
        iam.ManagedPolicy.from_managed_policy_name(stack, "StackBoundary", "stack-boundary")
    )
    pipeline = guarded(stack, environment_suffix="both")
    iam.Role(stack, "TeamRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    return pipeline


@pytest.mark.parametrize("mutating_priority_flag", [False, True])
def test_the_constructs_boundary_wins_on_its_roles_the_stacks_on_the_others(mutating_priority_flag):
    # The flag moves aws-cdk-lib's PermissionsBoundary Aspect to the mutating priority (cdk init turns it on).
    app = App(context={"@aws-cdk/core:aspectPrioritiesMutating": mutating_priority_flag})
    stack = Stack(app, "TestStack", env={"account": "111111111111", "region": REGION})
    pipeline = _both_boundaries(stack)
    resources = Template.from_stack(stack).to_json()["Resources"]
    processor_role = resources[stack.get_logical_id(pipeline.role.node.default_child)]["Properties"]
    team_role = resources[stack.get_logical_id(stack.node.find_child("TeamRole").node.default_child)]["Properties"]
    assert processor_role["PermissionsBoundary"] == boundary_arn()
    assert team_role["PermissionsBoundary"] == boundary_arn(name="stack-boundary")
    assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []


def untagged(template: Template, key: str, value: str) -> list[str]:
    """Resources whose type takes tags (its CloudFormation schema says so) but lack ``key: value``."""
    missing = []
    for logical_id, resource in template.to_json()["Resources"].items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, resource["Type"]).schema
        tagging = schema.get("tagging", {})
        if not tagging.get("taggable", False):
            continue
        prop = tagging.get("tagProperty", "/properties/Tags").removeprefix("/properties/")
        tags = resource.get("Properties", {}).get(prop)
        pairs = tags.items() if isinstance(tags, dict) else [(tag["Key"], tag["Value"]) for tag in tags or []]
        if (key, value) not in pairs:
            missing.append(f"{resource['Type']} {logical_id}")
    return missing


def _tagged_stack(stack: Stack) -> ShipmentEventPipeline:
    pipeline = CONFIGURATIONS["vpc-and-backup-plan"][0](stack)
    Tags.of(stack).add("team", "shipments")
    return pipeline


def _tagged_stream_and_producers(stack: Stack) -> ShipmentEventPipeline:
    pipeline = ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="tagged",
        encryption_key=kms.Key(stack, "Key", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY),
        storage=StorageOptions(provisioned=ProvisionedCapacity(), stream=dynamodb.StreamViewType.NEW_IMAGE),
        ingest=IngestOptions(producer_accounts=["222222222222"]),
    )
    Tags.of(stack).add("team", "shipments")
    return pipeline


@pytest.mark.parametrize(
    ("key", "build"), [("vpc-backup-emails", _tagged_stack), ("key-provisioned-stream", _tagged_stream_and_producers)]
)
def test_stack_tags_reach_every_taggable_resource(key, build):
    _, _, template = build_stack(f"guardrails-tags-{key}", build)
    taggable = [
        r for r in template.to_json()["Resources"].values() if r["Type"] in ("AWS::SQS::Queue", "AWS::IAM::Role")
    ]
    assert taggable  # the walk below has something to check
    missing = untagged(template, "team", "shipments")
    if not scalable_targets_take_tags():
        # Older aws-cdk-lib releases (2.269.0, the oldest supported, among them) cannot tag this type at all.
        missing = [entry for entry in missing if not entry.startswith("AWS::ApplicationAutoScaling::ScalableTarget ")]
    assert missing == []


def scalable_targets_take_tags() -> bool:
    """Whether this aws-cdk-lib's ``CfnScalableTarget`` has a tag manager (a provisioned table's auto scaling)."""
    target = appscaling.CfnScalableTarget(
        Stack(App(), "Probe"),
        "Target",
        max_capacity=1,
        min_capacity=1,
        resource_id="table/probe",
        scalable_dimension="dynamodb:table:ReadCapacityUnits",
        service_namespace="dynamodb",
    )
    return TagManager.is_taggable(target) or TagManager.is_taggable_v2(target)


@pytest.mark.parametrize(
    ("role_path", "ok"),
    [
        ("/", True),
        ("/platform/", True),
        ("/platform/shipments-prod_1/", True),
        ("/" + "a" * 510 + "/", True),
        ("/" + "a" * 511 + "/", False),
        ("platform/", False),
        ("/platform", False),
        ("/plat form/", False),
        ("//", False),
        ("", False),
        ("/é/", False),
    ],
)
def test_role_path_follows_iams_rule(role_path, ok):
    stack = Stack(App(), "RolePath")
    if ok:
        ShipmentEventPipeline(stack, "Pipeline", role_path=role_path)
        return
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(stack, "Pipeline", role_path=role_path)
    assert raised.value.problems == [
        "role_path must be '/' or start and end with '/' around printable ASCII characters without spaces "
        f"(IAM's rule), at most 512 characters, e.g. '/platform/shipments/', got {role_path!r}"
    ]


def test_guardrail_props_are_type_checked_with_the_others():
    with pytest.raises(PipelineValidationError) as raised:
        ShipmentEventPipeline(
            Stack(App(), "Types"), "Pipeline", permissions_boundary="arn:aws:iam::111111111111:policy/b", role_path=7
        )
    assert raised.value.problems == [
        "permissions_boundary must be an IManagedPolicy or None, got 'arn:aws:iam::111111111111:policy/b'",
        "role_path must be a string or None, got 7",
    ]


#: Where the pipeline grants: identity policies and the bus's policy. (SSL-only Deny statements on queues and
#: topic, and a key's administrator statement, are deny rules and key policies: test_iam.py and the key tests.)
GRANTING_POLICIES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::Events::EventBusPolicy")


def allowed_actions(template: Template) -> list[str]:
    """Every action an identity policy or the bus's policy allows."""
    actions = []
    for resource in template.to_json()["Resources"].values():
        if resource["Type"] not in GRANTING_POLICIES:
            continue
        props = resource["Properties"]
        statements = props["PolicyDocument"]["Statement"] if "PolicyDocument" in props else [props["Statement"]]
        for statement in statements:
            assert statement["Effect"] == "Allow"
            action = statement["Action"]
            actions += action if isinstance(action, list) else [action]
    return actions


def test_no_wildcard_actions_are_granted(configuration):
    actions = allowed_actions(configuration[2])
    assert "dynamodb:PutItem" in actions
    assert [action for action in actions if "*" in action] == []
