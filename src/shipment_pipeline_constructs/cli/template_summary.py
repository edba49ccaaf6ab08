"""A short, human summary of a synthesized pipeline template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from ..template_reader import StackTemplate

DAY = 86_400


def describe_template(template_file: Path) -> str:
    """Resources created, the settings that matter, and where the template is."""
    stack = StackTemplate.load(template_file)
    counts = stack.type_counts()
    lines = [f"Stack template: {template_file}", f"  {sum(counts.values())} resources:"]
    lines += [f"    {count:>2} x {kind}" for kind, count in sorted(counts.items())]
    lines += _settings(stack)
    return "\n".join(lines)


def _settings(stack: StackTemplate) -> list[str]:
    pipelines = stack.pipelines()

    def find(role: str) -> Optional[dict]:
        """The role's properties in the stack's first pipeline; ``None`` when it has no such resource."""
        if not pipelines or not pipelines[0].logical_id(role):
            return None
        return pipelines[0].properties(role)

    lines = ["  key settings:"]
    queue, dlq, target_dlq = find("queue"), find("dead_letter_queue"), find("target_dead_letter_queue")
    rule, archive = find("rule"), find("archive")
    function, mapping = find("function"), find("event_source")
    table, errors, log_group = find("events_table"), find("errors_table"), find("log_group")
    if rule:
        target = (rule.get("Targets") or [{}])[0]
        retry = target.get("RetryPolicy", {})
        lines.append(
            f"    rule      pattern {json.dumps(rule.get('EventPattern'))}; target retries "
            f"{retry.get('MaximumRetryAttempts')} within {_seconds(retry.get('MaximumEventAgeInSeconds'))}, "
            f"then the target DLQ"
        )
    lines.append(f"    archive   {'retention ' + _days(archive.get('RetentionDays')) if archive else 'off'}")
    if queue:
        redrive = queue.get("RedrivePolicy", {})
        lines.append(
            f"    queue     retention {_seconds(queue.get('MessageRetentionPeriod'))}, visibility "
            f"{_seconds(queue.get('VisibilityTimeout'))}, to the DLQ after {redrive.get('maxReceiveCount')} receives, "
            f"{_encryption(queue)}"
        )
    if dlq and target_dlq:
        lines.append(
            f"    DLQs      retention {_seconds(dlq.get('MessageRetentionPeriod'))}; target DLQ "
            f"{_seconds(target_dlq.get('MessageRetentionPeriod'))}"
        )
    if function:
        lines.append(
            f"    function  {function.get('Runtime')} on {', '.join(function.get('Architectures', ['x86_64']))}, "
            f"{function.get('MemorySize')} MB, timeout {function.get('Timeout')} s, "
            f"X-Ray {function.get('TracingConfig', {}).get('Mode', 'PassThrough')}, "
            f"{function.get('LoggingConfig', {}).get('LogFormat', 'Text')} logs kept "
            f"{_days(log_group.get('RetentionInDays')) if log_group else 'forever'}"
        )
    if mapping:
        scaling = mapping.get("ScalingConfig", {})
        lines.append(
            f"    polling   batch {mapping.get('BatchSize')}, window {mapping.get('MaximumBatchingWindowInSeconds', 0)} s, "
            f"max concurrency {scaling.get('MaximumConcurrency')}, {', '.join(mapping.get('FunctionResponseTypes', []))}"
        )
    for label, props in (("table", table), ("errors", errors)):
        if props:
            keys = "/".join(key["AttributeName"] for key in props.get("KeySchema", []))
            pitr = props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled")
            lines.append(
                f"    {label:<9} keys {keys}, {props.get('BillingMode', 'PROVISIONED')}, TTL on "
                f"{props.get('TimeToLiveSpecification', {}).get('AttributeName')}, PITR {'on' if pitr else 'off'}, "
                f"deletion protection {'on' if props.get('DeletionProtectionEnabled') else 'off'}"
            )
    return lines


def _seconds(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return str(value)
    if value >= DAY and value % DAY == 0:
        return _days(value // DAY)
    if value >= 3600 and value % 3600 == 0:
        return f"{value // 3600} h"
    return f"{value} s"


def _days(value: Any) -> str:
    return f"{value} day{'s' if value != 1 else ''}"


def _encryption(queue: dict) -> str:
    if queue.get("SqsManagedSseEnabled"):
        return "SSE-SQS encrypted"
    if queue.get("KmsMasterKeyId"):
        return "KMS encrypted"
    return "NOT encrypted"
