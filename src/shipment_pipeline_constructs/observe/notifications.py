"""Where alarms go: one SNS topic per pipeline, encrypted and TLS-only, or a topic the user owns.

CloudWatch cannot publish to a topic encrypted with the AWS managed key
``alias/aws/sns`` (its key policy cannot grant ``cloudwatch.amazonaws.com``),
so a created topic gets a customer managed key: the pipeline's ``encryption_key``
when given, else its own, with rotation; either key's policy lets CloudWatch
use it for this account's alarms only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from ..shape import PARTS
from ..stages.encryption import add_to_key_policy, cloudwatch_alarms_publish_to_topic
from ..validation import Problems

# Deliberately loose: SNS confirms the address by mail; this only catches slips like a missing "@".
# Always used with fullmatch: ``$`` would also match before a trailing newline.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def collect_email_problems(emails: Sequence[str], problems: Problems) -> None:
    """Add a problem for every entry of ``alarm_emails`` that is not an e-mail address.

    The list's type (a list of strings, not one string) is checked before, with the construct's other props.
    """
    if problems.mistyped("alarm_emails"):
        return
    seen: set[str] = set()
    for email in emails:
        if Token.is_unresolved(email):
            continue
        if not EMAIL_PATTERN.fullmatch(email):
            problems.add(f"alarm_emails: {email!r} is not an e-mail address")
        elif email in seen:
            # One subscription per address: a second would ask the same person to confirm twice.
            problems.add(f"alarm_emails: {email!r} is listed more than once: list each address once")
        seen.add(email)


def create_alarm_topic(
    scope: Construct, *, topic_name: str | None, encryption_key: kms.IKey | None = None
) -> sns.Topic:
    """An SNS topic that refuses requests without TLS, encrypted with ``encryption_key`` or else a rotating key of its own."""
    stack = Stack.of(scope)
    key = encryption_key or _topic_key(scope)
    if encryption_key is not None:
        add_to_key_policy(scope, key, cloudwatch_alarms_publish_to_topic(scope, topic_name=topic_name))
    topic = sns.Topic(
        scope,
        PARTS["alarm_topic"].construct_id,
        topic_name=topic_name,
        display_name="Shipment pipeline alarms",
        master_key=key,
        enforce_ssl=True,
    )
    # The TLS-only policy replaces SNS's default topic policy, so say explicitly
    # that this account's alarms may publish.
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToPublish",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": stack.format_arn(
                        service="cloudwatch",
                        resource="alarm",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                },
            },
        )
    )
    return topic


def _topic_key(scope: Construct) -> kms.Key:
    """The alarm topic's own key, when no ``encryption_key`` is given."""
    stack = Stack.of(scope)
    key = kms.Key(
        scope,
        PARTS["alarm_topic_key"].construct_id,
        description="Encrypts the shipment pipeline's alarm notifications",
        enable_key_rotation=True,
        # Notifications are transient: no data outlives the topic, so the key need not either.
        removal_policy=RemovalPolicy.DESTROY,
        pending_window=Duration.days(7),
    )
    # CloudWatch encrypts the notification when it publishes; limit it to this account's alarms.
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToPublish",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        )
    )
    return key


def subscribe(topic: sns.ITopic, emails: Sequence[str] = ()) -> list[sns.Subscription]:
    """Subscribe ``emails`` to ``topic`` and return those subscriptions (which alarms notify it: :mod:`.routing`)."""
    return [topic.add_subscription(subscriptions.EmailSubscription(email)) for email in emails]
