"""The AWS figures the capacity model uses, each with its value, unit and documented source.

One home for each figure: the model, the simulation, the limits and the
docs page read them from here, and ``plan`` prints the source next to every
figure it uses. Quotas marked adjustable are defaults an account can raise
through Service Quotas; pass the raised value on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Figure", "FIGURES"]


@dataclass(frozen=True)
class Figure:
    """One documented figure.

    Attributes:
        value: The figure.
        unit: Its unit, e.g. ``"requests/s"``.
        source: Where AWS documents it (guide and page).
        adjustable: Whether Service Quotas can raise it.
    """

    value: float
    unit: str
    source: str
    adjustable: bool = False

    def describe(self) -> str:
        """``10,000 requests/s (EventBridge quotas, ...)``."""
        return f"{self.value:,g} {self.unit} ({self.source})"


_LAMBDA_SQS_SCALING = 'Lambda developer guide, "Configuring scaling behavior for SQS event source mappings"'
_DYNAMODB_QUOTAS = 'DynamoDB developer guide, "Quotas in Amazon DynamoDB"'

#: Every figure by name.
FIGURES: dict[str, Figure] = {
    # Lambda's SQS poller.
    "poller_initial_batches": Figure(
        5, "concurrent batches", f"{_LAMBDA_SQS_SCALING}: Lambda starts with five concurrent batches"
    ),
    "poller_scale_up_per_minute": Figure(
        300, "concurrent batches/min", f"{_LAMBDA_SQS_SCALING}: up to 300 more instances per minute"
    ),
    "poller_max_batches": Figure(
        1_000, "concurrent batches", f"{_LAMBDA_SQS_SCALING}: at most 1,000 batches at a time per mapping"
    ),
    "lambda_account_concurrency": Figure(
        1_000,
        "concurrent executions",
        'Lambda developer guide, "Lambda quotas": concurrent executions per Region',
        adjustable=True,
    ),
    "lambda_payload_bytes": Figure(
        6 * 1024 * 1024,
        "bytes",
        'Lambda developer guide, "Lambda quotas": 6 MB invocation payload (an SQS batch stops filling there)',
    ),
    "lambda_cpu_full_vcpu_mib": Figure(
        1_769, "MB", 'Lambda developer guide, "Configure Lambda function memory": 1,769 MB has one vCPU'
    ),
    # EventBridge (us-east-1, us-west-2 and eu-west-1; other Regions are lower).
    "eventbridge_put_events_tps": Figure(
        10_000,
        "PutEvents requests/s",
        'EventBridge user guide, "Amazon EventBridge quotas": us-east-1, us-west-2, eu-west-1 (400 to 2,400 elsewhere)',
        adjustable=True,
    ),
    "eventbridge_invocations_tps": Figure(
        18_750,
        "target invocations/s",
        'EventBridge user guide, "Amazon EventBridge quotas": us-east-1, us-west-2, eu-west-1 (750 to 4,500 elsewhere); '
        "beyond it invocations are delayed, not dropped",
        adjustable=True,
    ),
    # SQS.
    "sqs_in_flight_messages": Figure(
        120_000,
        "in-flight messages",
        'SQS developer guide, "Amazon SQS message quotas": about 120,000 in-flight messages per standard queue',
    ),
    # DynamoDB.
    "dynamodb_table_write_units": Figure(
        40_000, "write units/s", f"{_DYNAMODB_QUOTAS}: table-level write throughput", adjustable=True
    ),
    "dynamodb_new_on_demand_write_units": Figure(
        4_000,
        "write units/s",
        'DynamoDB developer guide, "Initial throughput for on-demand capacity mode": a new on-demand table '
        "takes 4,000 writes/s at once, then up to double its previous peak within 30 minutes",
    ),
    "dynamodb_partition_write_units": Figure(
        1_000,
        "write units/s",
        f"{_DYNAMODB_QUOTAS}: one partition serves at most 1,000 write units/s (a hot partition key)",
    ),
    "dynamodb_burst_seconds": Figure(
        300,
        "seconds",
        'DynamoDB developer guide, "Burst capacity": up to 300 seconds of unused provisioned capacity is kept',
    ),
    "autoscaling_breach_minutes": Figure(
        2,
        "minutes",
        'DynamoDB developer guide, "DynamoDB metrics and dimensions": auto scaling triggers when consumed '
        "capacity breaches the target for two consecutive minutes",
    ),
    "autoscaling_update_seconds": Figure(
        180,
        "seconds",
        'DynamoDB developer guide, "DynamoDB metrics and dimensions": UpdateTable "takes several minutes"; '
        "the model assumes 3",
    ),
}
