"""The permissions the data path needs, checked in the template, because moto does not enforce IAM.

A local run succeeds whatever the policies say, so a construct that forgot a
grant would pass locally and fail in AWS. This module reads the template's
policies and lists every grant the running pipeline relied on but the
template does not give:

* the function's role (its ``AWS::IAM::Policy`` resources and inline
  policies): ``dynamodb:PutItem`` on both tables, ``dynamodb:DeleteItem`` on
  the errors table (settling a last receive), ``sqs:SendMessage`` on the
  quarantine queue (the dead-letter queue in a template from before the
  quarantine queue existed), and what Lambda's SQS poller needs on the
  queue (``sqs:ReceiveMessage``, ``sqs:DeleteMessage``, ``sqs:GetQueueAttributes``);
* the queues' ``AWS::SQS::QueuePolicy``: ``events.amazonaws.com`` may
  ``sqs:SendMessage`` to the queue and to the target dead-letter queue.

Only ``Allow`` statements are read, conditions are not evaluated, and a
statement counts for a resource when its ``Resource`` is ``*`` or refers to
that resource's ARN (also inside ``Fn::Join``). Managed policies are not read.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from typing import Any

from .template import PipelineTemplate

__all__ = ["missing_permissions"]

_FUNCTION_NEEDS = (
    ("events_table", "dynamodb:PutItem"),
    ("errors_table", "dynamodb:PutItem"),
    ("errors_table", "dynamodb:DeleteItem"),
    ("quarantine_queue", "sqs:SendMessage"),
    ("queue", "sqs:ReceiveMessage"),
    ("queue", "sqs:DeleteMessage"),
    ("queue", "sqs:GetQueueAttributes"),
)
_EVENTBRIDGE_NEEDS = (("queue", "sqs:SendMessage"), ("target_dead_letter_queue", "sqs:SendMessage"))
_EVENTBRIDGE = "events.amazonaws.com"


def missing_permissions(template: PipelineTemplate) -> list[str]:
    """One sentence per missing grant; empty when the template grants everything the local run used."""
    missing = []
    role_statements = list(_role_statements(template))
    for needed_on, action in _FUNCTION_NEEDS:
        role = needed_on
        if role == "quarantine_queue" and template.logical_id(role) is None:
            role = "dead_letter_queue"  # a template from before the quarantine queue: copies went to the DLQ
        if not any(_allows(statement, action, template.logical_ids[role]) for statement in role_statements):
            missing.append(f"the function's role does not allow {action} on {role}")
    for role, action in _EVENTBRIDGE_NEEDS:
        logical_id = template.logical_id(role)
        if logical_id is None:
            continue
        statements = [s for s in _queue_policy_statements(template, logical_id) if _principal_is(s, _EVENTBRIDGE)]
        if not any(_allows(statement, action, logical_id, any_resource=True) for statement in statements):
            missing.append(f"no queue policy lets {_EVENTBRIDGE} {action} to {role}")
    return missing


def _role_statements(template: PipelineTemplate) -> Iterator[dict[str, Any]]:
    role = template.properties("function").get("Role", {})
    role_id = role.get("Fn::GetAtt", [None])[0] if isinstance(role, dict) else None
    if role_id is None:
        return
    for policy in template.resources[role_id].get("Properties", {}).get("Policies", []):
        yield from _statements(policy.get("PolicyDocument", {}))
    for resource in template.resources.values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::IAM::Policy" and {"Ref": role_id} in props.get("Roles", []):
            yield from _statements(props.get("PolicyDocument", {}))


def _queue_policy_statements(template: PipelineTemplate, queue_id: str) -> Iterator[dict[str, Any]]:
    for resource in template.resources.values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::SQS::QueuePolicy" and {"Ref": queue_id} in props.get("Queues", []):
            yield from _statements(props.get("PolicyDocument", {}))


def _statements(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") == "Allow":
            yield statement


def _allows(statement: dict[str, Any], action: str, logical_id: str, *, any_resource: bool = False) -> bool:
    """Whether ``statement`` grants ``action`` on ``logical_id`` (on a queue policy, the queue is the resource)."""
    actions = statement.get("Action", [])
    if not any(fnmatch.fnmatch(action.lower(), pattern.lower()) for pattern in _as_list(actions)):
        return False
    resources = _as_list(statement.get("Resource", []))
    if any_resource and not resources:
        return True
    marker = json.dumps({"Fn::GetAtt": [logical_id, "Arn"]})
    return any(resource == "*" or marker in json.dumps(resource) for resource in resources)


def _principal_is(statement: dict[str, Any], service: str) -> bool:
    principal = statement.get("Principal", {})
    return isinstance(principal, dict) and service in _as_list(principal.get("Service", []))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
