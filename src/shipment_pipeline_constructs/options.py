"""Typed, grouped props of :class:`ShipmentEventPipeline`.

Each group is a frozen dataclass whose field defaults come from
:mod:`shipment_pipeline_constructs.defaults`. The construct checks every
field against its declared type first (:func:`~shipment_pipeline_constructs.validation.check_fields`:
the annotations below are the contract), then each group's
``collect_problems`` checks its own ranges (AWS service limits), so the
construct can report every problem in one error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from aws_cdk import RemovalPolicy, Token
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from . import defaults
from .contract import RecordHook
from .validation import Problems, known_ints

# AWS limits the checks below enforce (service quotas that cannot be raised).
SQS_MAX_RETENTION_DAYS = 14
SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 60 * 60
LAMBDA_MAX_TIMEOUT_SECONDS = 900
SQS_STANDARD_MAX_BATCH_SIZE = 10_000
SQS_BATCH_SIZE_WITHOUT_WINDOW = 10
# CloudWatch's namespace alphabet: letters, digits and . - _ / # : and space.
METRICS_NAMESPACE_PATTERN = re.compile(r"[0-9A-Za-z.\-_/#: ]{1,255}")
# An AWS account id, and an AWS Organizations organization id (Organizations API reference).
ACCOUNT_ID_PATTERN = re.compile(r"[0-9]{12}")
ORGANIZATION_ID_PATTERN = re.compile(r"o-[a-z0-9]{10,32}")


@dataclass(frozen=True)
class IngestOptions:
    """How events enter the pipeline: the rule, its target and the archive.

    Attributes:
        event_pattern: Which events of the bus the pipeline takes.
            Default: ``source = ["shipment.service"]``.
        archive: Keep an EventBridge archive of matched events for replay. Default: ``True``.
        archive_retention_days: Days the archive keeps events. Default: ``7``.
        target_retry_attempts: Delivery attempts from the rule to the queue (0-185). Default: ``185``.
        target_max_event_age_hours: How long EventBridge keeps retrying an
            undelivered event before it goes to the target DLQ (1-24). Default: ``24``.
        producer_accounts: Other AWS accounts (12-digit ids, as strings) whose
            principals may put events on the bus the construct creates. The bus's
            resource policy allows ``events:PutEvents`` from them only for events
            whose ``source`` is one of ``event_pattern``'s sources, which must then
            be listed literally. Each producer's own IAM policy must also allow
            ``events:PutEvents`` on the bus's ARN. Not applied to an existing
            ``event_bus`` (its policy is its owner's; the construct warns).
            Default: none (same-account producers only, see ``grant_put_events``).
        producer_organization_id: An AWS Organizations id (``o-`` and 10-32
            lower-case letters or digits): every account of that organization
            may put events on the bus, with the same ``source`` condition
            (``aws:PrincipalOrgID``). Default: ``None``.
    """

    event_pattern: events.EventPattern | None = None
    archive: bool = True
    archive_retention_days: int = defaults.ARCHIVE_RETENTION_DAYS
    target_retry_attempts: int = defaults.TARGET_RETRY_ATTEMPTS
    target_max_event_age_hours: int = defaults.TARGET_MAX_EVENT_AGE_HOURS
    producer_accounts: Sequence[str] = ()
    producer_organization_id: str | None = None

    def collect_problems(self, problems: Problems) -> None:
        """Add a problem for every value outside what EventBridge accepts."""
        self._collect_producer_problems(problems)
        problems.check_range("ingest.archive_retention_days", self.archive_retention_days, 1, unit="days")
        problems.check_range("ingest.target_retry_attempts", self.target_retry_attempts, 0, 185)
        problems.check_range("ingest.target_max_event_age_hours", self.target_max_event_age_hours, 1, 24, "hours")
        if (
            isinstance(self.event_pattern, events.EventPattern)
            and not problems.mistyped("ingest.event_pattern")
            and not _set_fields(self.event_pattern)
        ):
            problems.add(
                "ingest.event_pattern must match on at least one field (EventBridge refuses an empty pattern), "
                "got EventPattern(): give e.g. source=[...], or leave event_pattern out for the default "
                f"source = [{defaults.EVENT_SOURCE!r}]"
            )

    def resolved_event_pattern(self) -> events.EventPattern:
        """The event pattern in effect: the given one, or the default source match."""
        return self.event_pattern or events.EventPattern(source=[defaults.EVENT_SOURCE])

    @property
    def has_producers(self) -> bool:
        """True when producers in other accounts or an organization are given."""
        return bool(self.producer_accounts) or self.producer_organization_id is not None

    def _collect_producer_problems(self, problems: Problems) -> None:
        """Producer accounts and organization: well-formed, no wildcard, no repeats, and a source to allow."""
        accounts_known = not problems.mistyped("ingest.producer_accounts")
        if accounts_known:
            seen: set[str] = set()
            for account in self.producer_accounts:
                if Token.is_unresolved(account):
                    continue
                if "*" in account:
                    problems.add(
                        f"ingest.producer_accounts must not hold a wildcard ({account!r} would let any AWS account "
                        "put events): list the accounts, or give producer_organization_id for a whole organization"
                    )
                elif not ACCOUNT_ID_PATTERN.fullmatch(account):
                    problems.add(
                        f"ingest.producer_accounts must hold 12-digit AWS account ids (as strings, leading zeros "
                        f"kept), got {account!r}"
                    )
                elif account in seen:
                    problems.add(f"ingest.producer_accounts lists {account!r} twice: list each account once")
                seen.add(account)
        organization = self.producer_organization_id
        if (
            organization is not None
            and not problems.mistyped("ingest.producer_organization_id")
            and not Token.is_unresolved(organization)
            and not ORGANIZATION_ID_PATTERN.fullmatch(organization)
        ):
            problems.add(
                "ingest.producer_organization_id must be an AWS Organizations id: 'o-' and 10-32 lower-case "
                f"letters or digits, got {organization!r}"
            )
        if not accounts_known or problems.mistyped("ingest.producer_organization_id") or not self.has_producers:
            return
        if problems.mistyped("ingest.event_pattern"):
            return
        sources = self.resolved_event_pattern().source
        if not sources:
            problems.add(
                "ingest.producer_accounts and ingest.producer_organization_id need ingest.event_pattern to match "
                "on source: the bus's policy allows other accounts only the sources the rule takes. Add "
                "source=[...] to event_pattern"
            )
        elif any(Token.is_unresolved(source) for source in sources):
            problems.add(
                "ingest.producer_accounts and ingest.producer_organization_id need ingest.event_pattern's sources "
                "as literal strings (the bus's policy allows exactly those): replace events.Match.prefix(...) "
                "and other matchers in source=[...] by the full source names"
            )

    def producer_sources(self) -> list[str]:
        """The event sources other accounts may put on the bus: the rule pattern's sources."""
        return list(self.resolved_event_pattern().source or [])


@dataclass(frozen=True)
class QueueOptions:
    """The SQS buffer: retention and when a message is given up to the DLQ.

    The visibility timeout is not a prop: it is derived as 6 x the function
    timeout, as AWS recommends for Lambda consumers.

    Attributes:
        retention_days: Days the source queue keeps a message (1-14). Default: ``4``.
        dead_letter_retention_days: Days the DLQs keep a message (1-14, and at
            least ``retention_days``). Default: ``14``.
        max_receive_count: Receives before a message moves to the DLQ (1-1000).
            Default: ``5`` (AWS's minimum recommendation for Lambda consumers; the reference design's 3 is below it).
    """

    retention_days: int = defaults.QUEUE_RETENTION_DAYS
    dead_letter_retention_days: int = defaults.DEAD_LETTER_RETENTION_DAYS
    max_receive_count: int = defaults.MAX_RECEIVE_COUNT

    def collect_problems(self, problems: Problems) -> None:
        """Add a problem for every value outside what SQS accepts."""
        problems.check_range("queues.retention_days", self.retention_days, 1, SQS_MAX_RETENTION_DAYS, "days")
        problems.check_range(
            "queues.dead_letter_retention_days", self.dead_letter_retention_days, 1, SQS_MAX_RETENTION_DAYS, "days"
        )
        problems.check_range("queues.max_receive_count", self.max_receive_count, 1, 1000)
        if known_ints(self.retention_days, self.dead_letter_retention_days) and (
            self.dead_letter_retention_days < self.retention_days
        ):
            problems.add(
                f"queues.dead_letter_retention_days ({self.dead_letter_retention_days}) must be >= "
                f"queues.retention_days ({self.retention_days}): a standard queue keeps the original "
                "enqueue time, so a shorter DLQ retention deletes messages as they arrive"
            )


@dataclass(frozen=True)
class ProcessorOptions:
    """The processor function and the event source mapping that feeds it.

    Attributes:
        memory_size_mib: Function memory (128-10240 MiB). Default: ``512``.
        timeout_seconds: Function timeout (1-900 s). Default: ``60``.
        architecture: Instruction set. Default: ``Architecture.ARM_64`` (about 20% cheaper per GB-second).
        batch_size: Messages per invocation (1-10000; above 10 needs a batching window). Default: ``10``.
        max_batching_window_seconds: Seconds the poller may wait to fill a batch (0-300). Default: ``0``.
        max_concurrency: Maximum concurrent invocations by the event source
            mapping (2-1000). Default: ``5`` (the reference design's cap). Unlike reserved
            concurrency it never throttles, so it never pushes good messages into the DLQ.
        reserved_concurrency: Optional reserved concurrency of the function;
            when set it must be >= ``max_concurrency``. Default: ``None``.
        log_retention: How long the function's log group keeps logs. Default: ``RetentionDays.ONE_MONTH``.
        tracing: X-Ray active tracing. Default: ``True``.
        metrics_namespace: CloudWatch namespace of the processor's own metrics. Default: ``"ShipmentPipeline"``.
        enabled: Whether the event source mapping consumes the queue. ``False`` deploys the pipeline paused:
            events collect in the queue (for ``queues.retention_days``) until it is enabled again
            (``shipment-pipeline resume``, or a deploy with ``True``). Default: ``True``.
        deployment: Roll out each new processor version gradually with AWS CodeDeploy, e.g.
            ``LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES``: the function publishes a version
            per change behind the alias ``live``, the event source mapping invokes the alias, and
            CodeDeploy shifts the alias and rolls back when one of the pipeline's rollback alarms
            goes off. Default: ``None`` (no alias or versions; every deploy switches at once).
        record_hook: Your own processing step, called once per valid event before the write, returning the
            attributes to store (:class:`~shipment_pipeline_constructs.RecordHook`). Default: ``None``.
    """

    memory_size_mib: int = defaults.MEMORY_SIZE_MIB
    timeout_seconds: int = defaults.FUNCTION_TIMEOUT_SECONDS
    architecture: lambda_.Architecture = lambda_.Architecture.ARM_64
    batch_size: int = defaults.BATCH_SIZE
    max_batching_window_seconds: int = defaults.MAX_BATCHING_WINDOW_SECONDS
    max_concurrency: int = defaults.MAX_CONCURRENCY
    reserved_concurrency: int | None = None
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    tracing: bool = True
    metrics_namespace: str = defaults.METRICS_NAMESPACE
    enabled: bool = defaults.CONSUMPTION_ENABLED
    deployment: codedeploy.ILambdaDeploymentConfig | None = None
    record_hook: RecordHook | None = None

    def collect_problems(self, problems: Problems) -> None:
        """Add a problem for every value outside what Lambda and its SQS poller accept."""
        if self.record_hook is not None and not problems.mistyped("processor.record_hook"):
            self.record_hook.collect_problems(problems, "processor.record_hook")
        problems.check_range("processor.memory_size_mib", self.memory_size_mib, 128, 10240, "MiB")
        problems.check_range("processor.timeout_seconds", self.timeout_seconds, 1, LAMBDA_MAX_TIMEOUT_SECONDS, "s")
        problems.check_range("processor.batch_size", self.batch_size, 1, SQS_STANDARD_MAX_BATCH_SIZE)
        problems.check_range("processor.max_batching_window_seconds", self.max_batching_window_seconds, 0, 300, "s")
        problems.check_range("processor.max_concurrency", self.max_concurrency, 2, 1000)
        problems.check_range("processor.reserved_concurrency", self.reserved_concurrency, 1)
        if (
            known_ints(self.batch_size, self.max_batching_window_seconds)
            and self.batch_size > SQS_BATCH_SIZE_WITHOUT_WINDOW
            and self.max_batching_window_seconds < 1
        ):
            problems.add(
                f"processor.batch_size {self.batch_size} > {SQS_BATCH_SIZE_WITHOUT_WINDOW} needs "
                "processor.max_batching_window_seconds >= 1 (an SQS event source mapping rule)"
            )
        if (
            self.reserved_concurrency is not None
            and known_ints(self.reserved_concurrency, self.max_concurrency)
            and self.reserved_concurrency < self.max_concurrency
        ):
            problems.add(
                f"processor.reserved_concurrency ({self.reserved_concurrency}) must be >= "
                f"processor.max_concurrency ({self.max_concurrency}): otherwise Lambda throttles the "
                "poller and throttled messages count towards max_receive_count"
            )
        if (
            self.deployment is not None
            and not problems.mistyped("processor.deployment")
            and not _is_lambda_deployment_config(self.deployment)
        ):
            problems.add(
                "processor.deployment must be a deployment config for Lambda (e.g. "
                f"LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES), got {self.deployment.deployment_config_name!r}, "
                "a config for another compute platform"
            )
        namespace_known = not (
            problems.mistyped("processor.metrics_namespace") or Token.is_unresolved(self.metrics_namespace)
        )
        if not namespace_known:
            return
        if not METRICS_NAMESPACE_PATTERN.fullmatch(self.metrics_namespace):
            problems.add(
                "processor.metrics_namespace must be 1-255 letters, digits, spaces or . - _ / # : "
                f"(CloudWatch's rule), got {self.metrics_namespace!r}"
            )
        elif self.metrics_namespace.startswith("AWS/"):
            problems.add(f"processor.metrics_namespace must not start with 'AWS/', got {self.metrics_namespace!r}")

    @property
    def visibility_timeout_seconds(self) -> int:
        """Source queue visibility timeout: 6 x the function timeout (AWS guidance)."""
        return defaults.VISIBILITY_TIMEOUT_FACTOR * self.timeout_seconds


@dataclass(frozen=True)
class ProvisionedCapacity:
    """Provisioned billing with target-tracking auto scaling, for steady high loads.

    Attributes:
        min_read_units: Lowest read capacity. Default: ``5``.
        max_read_units: Highest read capacity. Default: ``100``.
        min_write_units: Lowest write capacity. Default: ``5``.
        max_write_units: Highest write capacity. Default: ``100``.
        target_utilization_percent: Utilization auto scaling aims for (20-90). Default: ``70``.
    """

    min_read_units: int = 5
    max_read_units: int = 100
    min_write_units: int = 5
    max_write_units: int = 100
    target_utilization_percent: int = defaults.PROVISIONED_TARGET_UTILIZATION_PERCENT

    def collect_problems(self, problems: Problems) -> None:
        """Add a problem for every inconsistent capacity setting."""
        problems.check_range("storage.provisioned.min_read_units", self.min_read_units, 1)
        problems.check_range("storage.provisioned.min_write_units", self.min_write_units, 1)
        problems.check_range(
            "storage.provisioned.target_utilization_percent", self.target_utilization_percent, 20, 90, "%"
        )
        for kind, low, high in (
            ("read", self.min_read_units, self.max_read_units),
            ("write", self.min_write_units, self.max_write_units),
        ):
            if known_ints(low, high) and high < low:
                problems.add(f"storage.provisioned.max_{kind}_units ({high}) must be >= min_{kind}_units ({low})")


@dataclass(frozen=True)
class StorageOptions:
    """The events table the construct creates, and what happens when two events claim one key.

    With an existing table (``table=``) only ``on_conflict`` applies; setting
    any other field is an error.

    Attributes:
        provisioned: Provisioned capacity with auto scaling; ``None`` means
            on-demand billing. Default: ``None`` (on-demand).
        point_in_time_recovery: Continuous backups for 35 days. Default: ``True``.
        removal_policy: What happens to the tables when the stack deletes
            them. Default: ``RemovalPolicy.RETAIN`` (with deletion protection on).
        on_conflict: What the processor does with an event whose key (shipment
            id and timestamp) is already stored with different content. ``"record"``:
            the first write wins, the later event is kept in an error record
            (``error_type=conflict``) and counted (``Conflicts`` metric and alarm).
            ``"quarantine"``: the same, and the later event is also sent to the
            quarantine queue for a person to decide (and redrive, or delete).
            A redelivery or replay of the same event is a duplicate, never a
            conflict. Default: ``"record"``.
        stream: Turn on the events table's DynamoDB stream with this view
            (``StreamViewType.NEW_IMAGE``: each stored event as written), for
            consumers downstream (``pipeline.table_stream_arn``,
            ``pipeline.grant_stream_read``). The table keeps its logical ID:
            turning the stream on or off later updates the table in place, it
            never replaces it (a new stream gets a new ARN, and records older
            than 24 hours are gone). Default: ``None`` (no stream).
    """

    provisioned: ProvisionedCapacity | None = None
    point_in_time_recovery: bool = defaults.POINT_IN_TIME_RECOVERY
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    on_conflict: Literal["record", "quarantine"] = defaults.ON_CONFLICT
    stream: dynamodb.StreamViewType | None = None

    def collect_problems(self, problems: Problems) -> None:
        """Add a problem for every invalid table setting."""
        if isinstance(self.provisioned, ProvisionedCapacity) and not problems.mistyped("storage.provisioned"):
            self.provisioned.collect_problems(problems)

    def table_settings(self) -> list[str]:
        """The fields set away from their defaults that configure a table this construct creates."""
        default = StorageOptions()
        return [
            name
            for name in ("provisioned", "point_in_time_recovery", "removal_policy", "stream")
            if getattr(self, name) != getattr(default, name)
        ]


def _is_lambda_deployment_config(config: codedeploy.ILambdaDeploymentConfig) -> bool:
    """False for a config jsii says is for another platform (``ServerDeploymentConfig.ALL_AT_ONCE``...).

    The predefined configs are proxies implementing one interface, which
    jsii names; the type check cannot tell them apart by class.
    """
    declared = getattr(getattr(config, "__jsii_ref__", None), "interfaces", None)
    return not declared or getattr(codedeploy.ILambdaDeploymentConfig, "__jsii_type__", None) in declared


def _set_fields(pattern: events.EventPattern) -> list[str]:
    """The fields of an event pattern that are set (jsii structs expose each field as a property)."""
    return [
        name
        for name, member in vars(type(pattern)).items()
        if isinstance(member, property) and getattr(pattern, name) is not None
    ]
