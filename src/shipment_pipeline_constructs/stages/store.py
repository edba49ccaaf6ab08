"""Store stage: the events table and the error-records table.

Error records live in a table of their own so they never mix into queries of
shipment events. Its key is the UTC day and a time-ordered id (query a day,
or a time range within it); the sparse ``by-shipment`` index finds the
errors of one shipment when its id was readable.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ..naming import ResourceNames
from ..options import StorageOptions
from ..shape import (
    BACKUP_SELECTION_ID,
    ERRORS_BY_SHIPMENT_INDEX,
    ERRORS_PARTITION_KEY,
    ERRORS_SORT_KEY,
    EVENTS_PARTITION_KEY,
    EVENTS_SORT_KEY,
    PARTS,
    TABLE_TTL_ATTRIBUTE,
)
from . import encryption


@dataclass(frozen=True)
class StoreResources:
    """The tables the processor writes to, and their backup plan.

    Attributes:
        table: The events table (created, or the one given).
        errors_table: The table of error records.
        backup_plan: The AWS Backup plan of both tables (``None`` unless asked for).
        backup_selection: The plan's selection of the tables, whose role AWS Backup assumes (``None`` with no plan).
    """

    table: dynamodb.ITable
    errors_table: dynamodb.Table
    backup_plan: backup.BackupPlan | None = None
    backup_selection: backup.BackupSelection | None = None


def create_store(
    scope: Construct,
    *,
    existing_table: dynamodb.ITable | None,
    options: StorageOptions,
    backup_plan: bool,
    names: ResourceNames | None,
    encryption_key: kms.IKey | None = None,
) -> StoreResources:
    """Create the events table (unless one is given), the errors table and, if asked, their backup plan.

    With ``encryption_key`` the tables it creates are encrypted with it (customer managed); without,
    with DynamoDB's AWS owned key, which costs nothing and needs no key policy.
    """
    table = existing_table or _events_table(scope, options, names, encryption_key)
    errors_table = _errors_table(scope, options, names, encryption_key)
    if not backup_plan:
        return StoreResources(table=table, errors_table=errors_table)
    plan, selection = _backup_plan(scope, [table, errors_table], names)
    return StoreResources(table=table, errors_table=errors_table, backup_plan=plan, backup_selection=selection)


def _events_table(
    scope: Construct, options: StorageOptions, names: ResourceNames | None, encryption_key: kms.IKey | None
) -> dynamodb.Table:
    provisioned = options.provisioned
    table = dynamodb.Table(
        scope,
        PARTS["events_table"].construct_id,
        table_name=names.events_table if names else None,
        partition_key=dynamodb.Attribute(name=EVENTS_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=EVENTS_SORT_KEY, type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PROVISIONED if provisioned else dynamodb.BillingMode.PAY_PER_REQUEST,
        read_capacity=provisioned.min_read_units if provisioned else None,
        write_capacity=provisioned.min_write_units if provisioned else None,
        time_to_live_attribute=TABLE_TTL_ATTRIBUTE,
        **_encryption(encryption_key),
        # StreamSpecification updates the table in place: turning the stream on or off never replaces it.
        stream=options.stream,
        **_protection(options, point_in_time_recovery=options.point_in_time_recovery),
    )
    if provisioned:
        target = provisioned.target_utilization_percent
        table.auto_scale_read_capacity(
            min_capacity=provisioned.min_read_units, max_capacity=provisioned.max_read_units
        ).scale_on_utilization(target_utilization_percent=target)
        table.auto_scale_write_capacity(
            min_capacity=provisioned.min_write_units, max_capacity=provisioned.max_write_units
        ).scale_on_utilization(target_utilization_percent=target)
    return table


def _errors_table(
    scope: Construct, options: StorageOptions, names: ResourceNames | None, encryption_key: kms.IKey | None
) -> dynamodb.Table:
    # Errors are rare, so on-demand is always the cheaper mode here.
    table = dynamodb.Table(
        scope,
        PARTS["errors_table"].construct_id,
        table_name=names.errors_table if names else None,
        partition_key=dynamodb.Attribute(name=ERRORS_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=ERRORS_SORT_KEY, type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute=TABLE_TTL_ATTRIBUTE,
        **_encryption(encryption_key),
        **_protection(options, point_in_time_recovery=True),
    )
    table.add_global_secondary_index(
        index_name=ERRORS_BY_SHIPMENT_INDEX,
        partition_key=dynamodb.Attribute(name=EVENTS_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=ERRORS_SORT_KEY, type=dynamodb.AttributeType.STRING),
        projection_type=dynamodb.ProjectionType.ALL,
    )
    return table


def _encryption(key: kms.IKey | None) -> dict:
    # No key: leave the property out, so the template stays DynamoDB's default (the AWS owned key).
    if key is None:
        return {}
    return {"encryption": dynamodb.TableEncryption.CUSTOMER_MANAGED, "encryption_key": key}


def _protection(options: StorageOptions, *, point_in_time_recovery: bool) -> dict:
    retained = options.removal_policy == RemovalPolicy.RETAIN
    return {
        "removal_policy": options.removal_policy,
        # A retained table is data someone decided to keep: also refuse API deletes.
        "deletion_protection": retained,
        "point_in_time_recovery_specification": dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=point_in_time_recovery
        ),
    }


def grant_put_item(table: dynamodb.ITable, grantee: iam.IGrantable) -> iam.Grant:
    """Allow ``dynamodb:PutItem`` on the table itself.

    ``Table.grant`` also adds ``<table>/index/*`` for a table with indexes,
    a resource wildcard PutItem cannot use (items are written to the table).
    With a customer managed key, the writer may also use the key, through
    DynamoDB only (:func:`_grant_table_key`).
    """
    grant = iam.Grant.add_to_principal(grantee=grantee, actions=["dynamodb:PutItem"], resource_arns=[table.table_arn])
    _grant_table_key(table, grantee)
    return grant


def grant_delete_item(table: dynamodb.Table, grantee: iam.IGrantable) -> iam.Grant:
    """Allow ``dynamodb:DeleteItem`` on the table itself (not its indexes, which DeleteItem cannot use).

    For the errors table only; with a customer managed key, the key through DynamoDB as well.
    """
    grant = iam.Grant.add_to_principal(
        grantee=grantee, actions=["dynamodb:DeleteItem"], resource_arns=[table.table_arn]
    )
    _grant_table_key(table, grantee)
    return grant


def _grant_table_key(table: dynamodb.ITable, grantee: iam.IGrantable) -> None:
    """Let ``grantee`` use the table's customer managed key, only in requests DynamoDB makes for it (``kms:ViaService``).

    Named actions, not ``Table.grant``'s ``kms:GenerateDataKey*`` and ``kms:ReEncrypt*``.
    """
    if table.encryption_key is not None:
        encryption.grant_key_via_service(
            table.encryption_key,
            grantee,
            service="dynamodb",
            actions=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        )


def _backup_plan(
    scope: Construct, tables: list[dynamodb.ITable], names: ResourceNames | None
) -> tuple[backup.BackupPlan, backup.BackupSelection]:
    """An AWS Backup plan with daily backups of ``tables``, kept 35 days in a vault of its own.

    Complements point-in-time recovery with copies kept outside the table's
    lifecycle (a deleted table's PITR backups go with it after 35 days; vault
    recovery points do not).
    """
    plan = backup.BackupPlan(
        scope,
        PARTS["backup_plan"].construct_id,
        backup_plan_name=names.pipeline if names else None,
        backup_plan_rules=[backup.BackupPlanRule.daily()],
    )
    selection = plan.add_selection(
        BACKUP_SELECTION_ID, resources=[backup.BackupResource.from_dynamo_db_table(table) for table in tables]
    )
    return plan, selection
