"""A short, human summary of a synthesized pipeline template."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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


#: Role -> its resource's properties, for the roles the stack's first pipeline has.
Found = Mapping[str, Mapping[str, Any]]


def _settings(stack: StackTemplate) -> list[str]:
    pipelines = stack.pipelines()
    found: Found = {}
    if pipelines:
        found = {role: pipelines[0].properties(role) for role in pipelines[0].logical_ids}
    lines = ["  key settings:"]
    for needs, describe in _LINES:
        if all(found.get(role) for role in needs):
            lines.append(describe(found))
    return lines


def _rule(found: Found) -> str:
    rule = found["rule"]
    retry = (rule.get("Targets") or [{}])[0].get("RetryPolicy", {})
    return (
        f"    rule      pattern {json.dumps(rule.get('EventPattern'))}; target retries "
        f"{retry.get('MaximumRetryAttempts')} within {_seconds(retry.get('MaximumEventAgeInSeconds'))}, "
        f"then the target DLQ"
    )


def _archive(found: Found) -> str:
    archive = found.get("archive")
    return f"    archive   {'retention ' + _days(archive.get('RetentionDays')) if archive else 'off'}"


def _queue(found: Found) -> str:
    queue = found["queue"]
    return (
        f"    queue     retention {_seconds(queue.get('MessageRetentionPeriod'))}, visibility "
        f"{_seconds(queue.get('VisibilityTimeout'))}, to the DLQ after "
        f"{queue.get('RedrivePolicy', {}).get('maxReceiveCount')} receives, {_encryption(queue)}"
    )


def _dead_letter_queues(found: Found) -> str:
    dlq, target_dlq = found["dead_letter_queue"], found["target_dead_letter_queue"]
    return (
        f"    DLQs      retention {_seconds(dlq.get('MessageRetentionPeriod'))}; target DLQ "
        f"{_seconds(target_dlq.get('MessageRetentionPeriod'))}"
    )


def _function(found: Found) -> str:
    function, log_group = found["function"], found.get("log_group")
    return (
        f"    function  {function.get('Runtime')} on {', '.join(function.get('Architectures', ['x86_64']))}, "
        f"{function.get('MemorySize')} MB, timeout {function.get('Timeout')} s, "
        f"X-Ray {function.get('TracingConfig', {}).get('Mode', 'PassThrough')}, "
        f"{function.get('LoggingConfig', {}).get('LogFormat', 'Text')} logs kept "
        f"{_days(log_group.get('RetentionInDays')) if log_group else 'forever'}"
    )


def _polling(found: Found) -> str:
    mapping = found["event_source"]
    return (
        f"    polling   batch {mapping.get('BatchSize')}, window {mapping.get('MaximumBatchingWindowInSeconds', 0)} s, "
        f"max concurrency {mapping.get('ScalingConfig', {}).get('MaximumConcurrency')}, "
        f"{', '.join(mapping.get('FunctionResponseTypes', []))}"
    )


def _table(label: str, role: str) -> Callable[[Found], str]:
    def describe(found: Found) -> str:
        props = found[role]
        keys = "/".join(key["AttributeName"] for key in props.get("KeySchema", []))
        pitr = props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled")
        return (
            f"    {label:<9} keys {keys}, {props.get('BillingMode', 'PROVISIONED')}, TTL on "
            f"{props.get('TimeToLiveSpecification', {}).get('AttributeName')}, PITR {'on' if pitr else 'off'}, "
            f"deletion protection {'on' if props.get('DeletionProtectionEnabled') else 'off'}"
        )

    return describe


#: One summary line each, in the order they print: the roles a line needs (it is left out when one of them
#: is missing from the template), and the function that writes it.
_LINES: tuple[tuple[tuple[str, ...], Callable[[Found], str]], ...] = (
    (("rule",), _rule),
    ((), _archive),  # prints "off" without an archive
    (("queue",), _queue),
    (("dead_letter_queue", "target_dead_letter_queue"), _dead_letter_queues),
    (("function",), _function),
    (("event_source",), _polling),
    (("events_table",), _table("table", "events_table")),
    (("errors_table",), _table("errors", "errors_table")),
)


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


def _encryption(queue: Mapping[str, Any]) -> str:
    if queue.get("SqsManagedSseEnabled"):
        return "SSE-SQS encrypted"
    if queue.get("KmsMasterKeyId"):
        return "KMS encrypted"
    return "NOT encrypted"
