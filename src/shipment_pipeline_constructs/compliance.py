"""The library's compliance exceptions, and the checks that prove nothing else is left.

Where a cdk-nag rule (AwsSolutions, Serverless, NIST 800-53 R5), a
cfn-lint rule or a checkov check cannot apply to what the pipeline builds, the pipeline
acknowledges it here, on the exact resource and with the reason a security
reviewer needs, so applications using the construct inherit no findings and
no suppressions of their own. Everything else is fixed in the construct.

:data:`EXEMPTIONS` is the whole list; the documentation's "Compliance" page repeats it and a
test keeps the two in step. Acknowledgments use only ``aws_cdk``;
:func:`unacknowledged_findings` needs the ``cdk-nag`` package and
:func:`cfn_lint_findings` needs ``cfn-lint`` and ``cfn-lint-serverless``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Acknowledgment, CfnResource, Validations
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import IConstruct

from .options import ProcessorOptions, StorageOptions
from .shape import BACKUP_SELECTION_ID, PARTS
from .stages.buffer import BufferResources
from .stages.process import ProcessResources
from .stages.store import StoreResources


@dataclass(frozen=True)
class Exemption:
    """One finding the library acknowledges, and why.

    Attributes:
        key: Short name, used by the construct and the docs.
        rule_ids: cdk-nag rule ids (``Pack-Rule`` or a granular ``Pack-Rule[finding]``).
        cfn_lint_rules: cfn-lint rule ids, written into the resource's
            ``Metadata.cfn-lint.config.ignore_checks`` so cfn-lint skips them there only.
        resource: Which resource it is acknowledged on (for the docs).
        reason: Why the rule cannot or should not apply.
        when: When the acknowledgment is made ("always" or the condition).
        checkov_checks: checkov check ids, written into the resource's ``Metadata.checkov.skip``
            (each with the reason as its comment) so checkov skips them there only.
    """

    key: str
    rule_ids: tuple[str, ...]
    resource: str
    reason: str
    when: str = "always"
    cfn_lint_rules: tuple[str, ...] = ()
    checkov_checks: tuple[str, ...] = ()


def _id(role: str) -> str:
    return PARTS[role].construct_id


LAMBDA_VPC_POLICY = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"
BACKUP_POLICY = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
CODEDEPLOY_LAMBDA_POLICY = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"

EXEMPTIONS: tuple[Exemption, ...] = (
    Exemption(
        "target-dlq-is-a-dlq",
        ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"),
        _id("target_dead_letter_queue"),
        "This queue is the dead-letter queue of the EventBridge rule's target (Targets[].DeadLetterConfig), "
        "which the rules do not recognise as a DLQ. It is the last stop for undeliverable events: a DLQ of "
        "its own would only move them one queue further; the TargetDeadLetterMessages alarm watches it.",
        cfn_lint_rules=("ES6000",),
    ),
    Exemption(
        "dlq-has-no-redrive",
        ("Serverless-SQSRedrivePolicy",),
        _id("dead_letter_queue"),
        "This queue is the source queue's dead-letter queue (its RedrivePolicy points here). Messages are "
        "redriven from it by an operator after a fix, never automatically; the DeadLetterMessages alarm watches it.",
        cfn_lint_rules=("ES6000",),
    ),
    Exemption(
        "quarantine-queue-is-a-holding-queue",
        ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"),
        _id("quarantine_queue"),
        "This queue holds copies of the events the processor quarantined (invalid, or in conflict with a stored "
        "event) for a person to decide. Like a DLQ it is a terminal holding queue: nothing consumes it "
        "automatically, so no message can fail there and a DLQ of its own would only move them one queue "
        "further. An operator redrives or deletes them; the QuarantineMessages alarm watches it.",
        cfn_lint_rules=("ES6000",),
    ),
    Exemption(
        "sqs-mapping-has-no-destination",
        ("Serverless-LambdaEventSourceMappingDestination",),
        _id("event_source"),
        "Lambda supports OnFailure destinations only for stream and Kafka event sources; an SQS event source "
        "mapping cannot have one. Failed messages go to the DLQ through the source queue's redrive policy.",
        cfn_lint_rules=("ES1001",),
    ),
    Exemption(
        "function-is-invoked-synchronously",
        ("Serverless-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ"),
        _id("function"),
        "A function DLQ (or on-failure destination) applies to asynchronous invocations only. The processor "
        "is invoked synchronously by its SQS event source mapping; failures return to the queue and end in "
        "the queue's DLQ after max_receive_count receives.",
        checkov_checks=("CKV_AWS_116",),
    ),
    Exemption(
        "function-depends-on-its-role",
        (),
        _id("function"),
        "CDK's Function declares DependsOn its role and the role's policy so the permissions exist before "
        "Lambda validates them; the Role entry repeats the dependency its GetAtt already implies (harmless).",
        cfn_lint_rules=("W3005",),
    ),
    Exemption(
        "function-logs-via-logging-config",
        (),
        _id("function"),
        "The function writes to its own log group, created with retention, through LoggingConfig.LogGroup; "
        "the rule only looks for a group named /aws/lambda/FUNCTION_NAME written out literally, which "
        "CloudFormation-chosen names and names joined from a CloudFormation parameter cannot match.",
        when="physical_names=False, or a suffix given as a CloudFormation parameter",
        cfn_lint_rules=("WS1004",),
    ),
    Exemption(
        "xray-has-no-resource-permissions",
        ("AwsSolutions-IAM5[Resource::*]",),
        f"{_id('role')}/DefaultPolicy",
        "The only statement with Resource '*' is X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords, "
        "which support no "
        "resource-level permissions (Service Authorization Reference, AWS X-Ray). Every other statement names "
        "its table, queue or log group.",
        when="tracing on (default)",
    ),
    Exemption(
        "one-role-one-policy",
        ("NIST.800.53.R5-IAMNoInlinePolicy",),
        f"{_id('role')}/DefaultPolicy",
        "The processor's permissions belong to its role alone and are deleted with it: AWS recommends inline "
        "policies for such a strict one-to-one relationship (IAM user guide, 'Choosing between managed policies "
        "and inline policies'). A managed policy could be attached to other principals.",
    ),
    Exemption(
        "logs-encrypted-by-cloudwatch",
        ("NIST.800.53.R5-CloudWatchLogGroupEncrypted",),
        _id("log_group"),
        "CloudWatch Logs encrypts every log group at rest with service-managed keys. A customer managed key "
        "adds a key policy for logs.REGION.amazonaws.com and a KMS call to every log read for logs that hold "
        "event ids and outcomes, not credentials; retention is bounded (processor.log_retention). Pass "
        "encryption_key= to encrypt it with your key.",
        when="encryption_key not set (default)",
        checkov_checks=("CKV_AWS_158",),
    ),
    Exemption(
        "concurrency-capped-by-mapping",
        ("NIST.800.53.R5-LambdaConcurrency",),
        _id("function"),
        "Concurrency is capped where AWS recommends for SQS consumers: the event source mapping's maximum "
        "concurrency (processor.max_concurrency, default 5), the function's only invoker. Reserved concurrency "
        "alone throttles the poller, and throttled messages count towards max_receive_count and reach the DLQ.",
        when="processor.reserved_concurrency not set (default)",
        checkov_checks=("CKV_AWS_115",),
    ),
    Exemption(
        "function-outside-vpc",
        ("NIST.800.53.R5-LambdaInsideVPC",),
        _id("function"),
        "The function reaches only AWS APIs (DynamoDB, SQS), over TLS with IAM authentication, and no private "
        "resources, so a VPC would add ENIs and endpoints without protecting anything. Pass vpc= to run it in "
        "your VPC (the construct then adds the DynamoDB and SQS endpoints it needs).",
        when="vpc not set (default)",
        checkov_checks=("CKV_AWS_117",),
    ),
    Exemption(
        "pitr-instead-of-backup-plan",
        ("NIST.800.53.R5-DynamoDBInBackupPlan",),
        f"{_id('events_table')}, {_id('errors_table')}",
        "Point-in-time recovery is on: continuous backups, restorable to any second of the last 35 days. "
        "Set backup_plan=True to add the tables to an AWS Backup plan as well (vault copies kept outside the "
        "table's lifecycle).",
        when="backup_plan off (default) and point-in-time recovery on",
    ),
    Exemption(
        "lambda-vpc-access-policy",
        (f"AwsSolutions-IAM4[Policy::{LAMBDA_VPC_POLICY}]",),
        _id("role"),
        "AWS's own policy with exactly the EC2 network-interface actions Lambda needs to attach the function "
        "to the VPC (create, describe and delete network interfaces, assign private addresses; Lambda developer "
        "guide, 'configuration-vpc'), and nothing else; AWS updates it when Lambda's needs change. These EC2 "
        "actions support no resource-level permissions.",
        when="vpc set",
    ),
    Exemption(
        "alarm-email-without-dlq",
        ("Serverless-SNSRedrivePolicy",),
        f"{_id('alarm_topic')}/(each e-mail address)",
        "An alarm e-mail SNS could not deliver is not worth keeping: the alarm's state and history stay in "
        "CloudWatch (and on the dashboard), and the alarm notifies again on its next transition. A DLQ would "
        "hold stale pages nobody reads.",
        when="alarm_emails given",
        cfn_lint_rules=("ES7000",),
    ),
    Exemption(
        "backup-service-role-policy",
        (f"AwsSolutions-IAM4[Policy::{BACKUP_POLICY}]",),
        f"{_id('backup_plan')}/{BACKUP_SELECTION_ID}/Role",
        "AWS Backup's own service-role policy, the one AWS Backup documents for backup jobs; AWS keeps it in "
        "step with the service. The role can be assumed only by backup.amazonaws.com.",
        when="backup_plan=True",
    ),
    Exemption(
        "queue-encrypted-by-sqs",
        (),
        f"{_id('queue')}, {_id('dead_letter_queue')}, {_id('quarantine_queue')}, {_id('target_dead_letter_queue')}",
        "The queue is encrypted at rest with SSE-SQS (SqsManagedSseEnabled), keys SQS owns and rotates; the check "
        "reads only KmsMasterKeyId, which predates SSE-SQS. With encryption_key, the source queue, its DLQ and the "
        "quarantine queue use that key instead; the rule target's DLQ keeps SSE-SQS so that it still catches the "
        "events EventBridge could not deliver because a key policy blocked it.",
        when="the queue has no customer managed key (the target DLQ: always)",
        checkov_checks=("CKV_AWS_27",),
    ),
    Exemption(
        "table-encrypted-by-dynamodb",
        (),
        f"{_id('events_table')}, {_id('errors_table')}",
        "DynamoDB encrypts every table at rest; without a customer managed key it uses an AWS owned key, which "
        "costs nothing and has no key policy to keep. Who can read the shipment events and processing errors is "
        "decided by the IAM grants on the table, which the processor holds for these two tables only.",
        when="the table has no customer managed key",
        checkov_checks=("CKV_AWS_119",),
    ),
    Exemption(
        "environment-holds-no-secrets",
        (),
        _id("function"),
        "Lambda encrypts environment variables at rest with an AWS managed key. The processor's variables hold only "
        "resource names and settings (the table names, the quarantine queue's URL, the metrics namespace, the "
        "TTL and retry settings), never a secret; "
        "a customer managed key would add a key policy and a KMS call at every cold start and protect nothing.",
        when="the function has no KmsKeyArn",
        checkov_checks=("CKV_AWS_173",),
    ),
    Exemption(
        "vault-encrypted-by-aws-backup",
        (),
        f"{_id('backup_plan')}/Vault",
        "The vault's recovery points are encrypted at rest: with AWS Backup's advanced DynamoDB backup (the "
        "default for accounts since November 2021) by the vault's key, AWS Backup's AWS managed key when none is "
        "given, otherwise by the table's own key. A customer managed key is needed to copy backups to another "
        "account, which this plan does not do.",
        when="backup_plan=True (the vault has no EncryptionKeyArn)",
        checkov_checks=("CKV_AWS_166",),
    ),
    Exemption(
        "codedeploy-lambda-service-role-policy",
        (f"AwsSolutions-IAM4[Policy::{CODEDEPLOY_LAMBDA_POLICY}]",),
        f"{_id('deployment_group')}/ServiceRole",
        "CodeDeploy's own service-role policy for Lambda deployments, in its narrower 'Limited' form (no "
        "sns:Publish): read the alarms, read and update aliases, read provisioned concurrency, invoke only "
        "functions named CodeDeployHook_*, and read only CodeDeploy-tagged S3 objects. It names every action "
        "(no wildcard actions); AWS keeps it in step with CodeDeploy. The role can be assumed only by "
        "codedeploy.amazonaws.com.",
        when="processor.deployment set",
    ),
)

_BY_KEY = {exemption.key: exemption for exemption in EXEMPTIONS}


def acknowledge_pipeline_findings(
    *,
    buffer: BufferResources,
    process: ProcessResources,
    store: StoreResources,
    processor: ProcessorOptions,
    storage: StorageOptions,
    physical_names: bool = True,
    names_from_parameter: bool = False,
    email_subscriptions: Sequence[IConstruct] = (),
    encrypted: bool = False,
    deployment_group: IConstruct | None = None,
) -> None:
    """Apply every exemption that fits how the pipeline is configured, each on its exact resource.

    Call it once every grant is made: two exemptions sit on the processor
    role's policy, which the grants create.
    """
    for subscription in email_subscriptions:
        exempt(subscription, "alarm-email-without-dlq")
    _acknowledge_deployment_role(deployment_group)

    exempt(buffer.target_dead_letter_queue, "target-dlq-is-a-dlq")
    exempt(buffer.dead_letter_queue, "dlq-has-no-redrive")
    exempt(buffer.quarantine_queue, "quarantine-queue-is-a-holding-queue")
    exempt(process.event_source_mapping, "sqs-mapping-has-no-destination")
    exempt(process.function, "function-is-invoked-synchronously")
    exempt(process.function, "function-depends-on-its-role")
    _acknowledge_log_findings(process, named_literally=physical_names and not names_from_parameter, encrypted=encrypted)
    policy = process.role.node.try_find_child("DefaultPolicy")
    if policy is not None:
        exempt(policy, "one-role-one-policy")
        if processor.tracing:
            exempt(policy, "xray-has-no-resource-permissions")
    if processor.reserved_concurrency is None:
        exempt(process.function, "concurrency-capped-by-mapping")
    if process.function.is_bound_to_vpc:
        exempt(process.role, "lambda-vpc-access-policy")
    else:
        exempt(process.function, "function-outside-vpc")
    _acknowledge_default_encryption(buffer=buffer, process=process, store=store)
    if store.backup_selection is not None:
        # The role AWS Backup assumes, which the selection creates (were it anything else, the finding
        # would stay, and show in cdk-nag's report: nothing is acknowledged by guess).
        backup_role = store.backup_selection.grant_principal
        if isinstance(backup_role, iam.Role):
            exempt(backup_role, "backup-service-role-policy")
        return
    tables = [(store.errors_table, True)]
    if isinstance(store.table, dynamodb.Table):
        tables.append((store.table, storage.point_in_time_recovery))
    for table, point_in_time_recovery in tables:
        # Without PITR the reason would be false: the finding stays for the user to see.
        if point_in_time_recovery:
            exempt(table, "pitr-instead-of-backup-plan")


def _acknowledge_default_encryption(
    *, buffer: BufferResources, process: ProcessResources, store: StoreResources
) -> None:
    """Acknowledge checkov's customer-managed-key checks where the service's own encryption is used.

    Each condition reads the resource as it will be synthesized, so a resource given a customer managed
    key, which passes the check, gets no skip.
    """
    for queue in (buffer.queue, buffer.dead_letter_queue, buffer.quarantine_queue, buffer.target_dead_letter_queue):
        cfn_queue = queue.node.default_child
        if isinstance(cfn_queue, sqs.CfnQueue) and cfn_queue.kms_master_key_id is None:
            exempt(queue, "queue-encrypted-by-sqs")
    for table in (store.errors_table, store.table):
        if isinstance(table, dynamodb.Table) and table.encryption_key is None:
            exempt(table, "table-encrypted-by-dynamodb")
    if store.backup_plan is not None:
        cfn_vault = store.backup_plan.backup_vault.node.default_child
        if isinstance(cfn_vault, backup.CfnBackupVault) and cfn_vault.encryption_key_arn is None:
            exempt(store.backup_plan.backup_vault, "vault-encrypted-by-aws-backup")
    cfn_function = process.function.node.default_child
    if isinstance(cfn_function, lambda_.CfnFunction) and cfn_function.kms_key_arn is None:
        exempt(process.function, "environment-holds-no-secrets")


def _acknowledge_log_findings(process: ProcessResources, *, named_literally: bool, encrypted: bool) -> None:
    if not named_literally:
        exempt(process.function, "function-logs-via-logging-config")
    if not encrypted:
        exempt(process.log_group, "logs-encrypted-by-cloudwatch")


def _acknowledge_deployment_role(deployment_group: IConstruct | None) -> None:
    # The service role the deployment group creates (were it anything else, the finding would stay).
    role = deployment_group.node.try_find_child("ServiceRole") if deployment_group is not None else None
    if isinstance(role, iam.Role):
        exempt(role, "codedeploy-lambda-service-role-policy")


def exempt(resource: IConstruct, key: str) -> None:
    """Apply the exemption ``key`` to ``resource`` (an L1, or an L2 whose default child is the resource)."""
    exemption = _BY_KEY[key]
    target = _cfn_resource(resource)
    for rule_id in exemption.rule_ids:
        Validations.of(target).acknowledge(Acknowledgment(id=rule_id, reason=exemption.reason))
    if exemption.cfn_lint_rules:
        config = target.get_metadata("cfn-lint") or {"config": {"ignore_checks": []}}
        checks = config["config"]["ignore_checks"]
        config["config"]["ignore_checks"] = sorted(set(checks) | set(exemption.cfn_lint_rules))
        target.add_metadata("cfn-lint", config)
    for check_id in exemption.checkov_checks:
        skip_checkov_check(target, check_id, exemption.reason)


def skip_checkov_check(resource: IConstruct, check_id: str, reason: str) -> None:
    """Have checkov skip ``check_id`` on ``resource`` only, with ``reason`` as the skip's comment.

    Writes ``Metadata.checkov.skip`` (``[{id, comment}]``), which checkov reads from the template, on
    ``resource`` (an L1, or an L2 whose default child is the resource). The construct uses it for its own
    exemptions; use it on your own resources next to the pipeline the same way. A check already skipped
    there keeps its first reason.
    """
    target = _cfn_resource(resource)
    skips = list((target.get_metadata("checkov") or {"skip": []})["skip"])
    if all(skip["id"] != check_id for skip in skips):
        skips.append({"id": check_id, "comment": reason})
    target.add_metadata("checkov", {"skip": skips})


def _cfn_resource(construct: IConstruct) -> CfnResource:
    if isinstance(construct, CfnResource):
        return construct
    child = construct.node.default_child
    if not isinstance(child, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to acknowledge findings on")
    return child


@dataclass(frozen=True)
class Finding:
    """One unacknowledged cdk-nag finding.

    Attributes:
        pack: The rule pack (``AwsSolutions``, ``Serverless``, ``NIST.800.53.R5``).
        rule_id: The rule, with its granular finding if any.
        path: Construct path of the resource.
        description: What the rule checks.
    """

    pack: str
    rule_id: str
    path: str
    description: str

    def __str__(self) -> str:
        return f"{self.rule_id} at {self.path}: {self.description}"


PACKS = ("AwsSolutions", "Serverless", "NIST.800.53.R5")


def unacknowledged_findings(scope: IConstruct) -> list[Finding]:
    """Run the AwsSolutions, Serverless and NIST 800-53 R5 packs over ``scope``; return what is not acknowledged.

    ``scope`` is usually a stack. Needs the ``cdk-nag`` package (3.x).
    """
    from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks

    findings = []
    for pack_name, pack in zip(PACKS, (AwsSolutionsChecks(), ServerlessChecks(), NIST80053R5Checks()), strict=True):
        report = pack.validate_scope(scope)
        for violation in report.violations:
            for resource in violation.violating_resources:
                findings.append(
                    Finding(pack_name, violation.rule_name, resource.construct_path or "", violation.description)
                )
    return findings


#: cfn-lint's own entry point, run by the interpreter running this code: the cfn-lint installed
#: next to this library (the ``compliance`` extra), never another one found on PATH.
_CFN_LINT = ("-c", "import sys; from cfnlint.runner import main; sys.exit(main())")


def cfn_lint_findings(template: Path) -> list[str]:
    """Run cfn-lint with the serverless rules over one template; return its findings (empty when clean).

    The same as ``cfn-lint --append-rules cfn_lint_serverless.rules -- TEMPLATE``
    run from the repository root (``.cfnlintrc.yaml`` adds nothing to ignore),
    with the cfn-lint of this library's environment (the ``compliance`` extra).
    """
    command = [
        sys.executable,
        *_CFN_LINT,
        "--append-rules",
        "cfn_lint_serverless.rules",
        "--format",
        "parseable",
        "--",
        str(template),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    findings = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 and not findings:
        raise RuntimeError(f"cfn-lint failed (exit {result.returncode}): {result.stderr.strip()}")
    return findings
