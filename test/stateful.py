"""What an upgrade must not replace: the stateful resources and their replacement-causing properties.

CloudFormation replaces a resource (deletes the old one, with its data, under its delete
policy) when its logical ID changes or when a property marked "Update requires: Replacement"
changes. :func:`stateful_resources` reads, from a synthesized template, every stateful resource
with exactly those properties; ``test/stateful_snapshot.json`` holds what today's defaults give
for the configurations in :data:`CONFIGURATIONS`, and ``test/test_logical_ids.py`` compares each
synthesis with it. ``python tools/snapshot_stateful.py`` rewrites the snapshot: only for a
deliberate, documented breaking change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template
from stacks import build_stack, existing_resources_pipeline, synth, tuned_pipeline

SNAPSHOT = Path(__file__).with_name("stateful_snapshot.json")

#: Per stateful resource type, the properties whose change replaces the resource: the CloudFormation
#: template reference's "Update requires: Replacement" (the resource schemas' ``createOnlyProperties``,
#: plus what the provider replaces on its own: a table's key schema and local secondary indexes) and,
#: for KMS keys, the properties whose change CloudFormation refuses because it would replace the key.
REPLACING_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::DynamoDB::Table": ("TableName", "KeySchema", "LocalSecondaryIndexes", "ImportSourceSpecification"),
    "AWS::SQS::Queue": ("QueueName", "FifoQueue"),
    "AWS::Events::EventBus": ("Name", "EventSourceName"),
    "AWS::Events::Archive": ("ArchiveName", "SourceArn"),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::SNS::Topic": ("TopicName", "FifoTopic"),
    "AWS::KMS::Key": ("KeySpec", "KeyUsage", "Origin", "MultiRegion"),
    "AWS::KMS::Alias": ("AliasName",),
    "AWS::Backup::BackupVault": ("BackupVaultName", "EncryptionKeyArn"),
}
#: Resource attributes that decide what a replacement or a removal does to the data (kept, or deleted).
DATA_POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")


def _key_attribute_definitions(properties: dict[str, Any]) -> list[Any]:
    """A table's AttributeDefinitions of its key and local index keys: changing one's type replaces the table."""
    schemas = [properties.get("KeySchema", [])] + [
        index.get("KeySchema", []) for index in properties.get("LocalSecondaryIndexes", [])
    ]
    names = {element["AttributeName"] for schema in schemas for element in schema}
    return [item for item in properties.get("AttributeDefinitions", []) if item["AttributeName"] in names]


def stateful_resources(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each stateful resource of ``template`` by logical ID: its type, replacing properties and data policies."""
    found = {}
    for logical_id, resource in template["Resources"].items():
        kind = resource["Type"]
        if kind not in REPLACING_PROPERTIES:
            continue
        properties = resource.get("Properties", {})
        replacing = {name: properties[name] for name in REPLACING_PROPERTIES[kind] if name in properties}
        if kind == "AWS::DynamoDB::Table":
            replacing["AttributeDefinitions (keys)"] = _key_attribute_definitions(properties)
        policies = {name: resource[name] for name in DATA_POLICIES if name in resource}
        found[logical_id] = {"Type": kind, "Properties": replacing, **policies}
    return found


def _with_key_and_email(stack):
    from compliance.test_cdk_nag import _with_key_and_reserved_concurrency

    return _with_key_and_reserved_concurrency(stack)


def _in_vpc_with_backup_plan(stack):
    from compliance.test_cdk_nag import _in_vpc_with_backup_plan as build

    return build(stack)


#: The configurations whose stateful resources are pinned, each the shared synthesis other tests use.
CONFIGURATIONS: dict[str, Callable[[], Template]] = {
    "default": lambda: synth(environment_suffix="test")[2],
    "every-scalar-tuned": lambda: tuned_pipeline()[2],
    "existing-bus-table-and-key": lambda: existing_resources_pipeline()[2],
    # The keys of the shared cache are the ones test/compliance/test_cdk_nag.py's fixtures use.
    "customer-key-and-alarm-emails": lambda: build_stack("compliance-kms", _with_key_and_email)[2],
    "vpc-and-backup-plan": lambda: build_stack("compliance-vpc-backup", _in_vpc_with_backup_plan)[2],
}


def current() -> dict[str, dict[str, dict[str, Any]]]:
    """The stateful resources of every configuration, as the code synthesizes them now."""
    return {name: stateful_resources(template().to_json()) for name, template in CONFIGURATIONS.items()}


def load() -> dict[str, dict[str, dict[str, Any]]]:
    """The committed snapshot."""
    snapshot: dict[str, dict[str, dict[str, Any]]] = json.loads(SNAPSHOT.read_text())
    return snapshot


def write(snapshot: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Write ``snapshot`` as the committed file (sorted, one property a line: reviewable diffs)."""
    SNAPSHOT.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")


def replacements(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], configuration: str) -> list[str]:
    """Every change from ``before`` to ``after`` that would replace a resource or change what happens to its data.

    Resources only in ``after`` are additions, not replacements: they are not reported.
    """
    problems = []
    for logical_id, old in before.items():
        where = f"{configuration}: {logical_id} ({old['Type']})"
        new = after.get(logical_id)
        if new is None:
            problems.append(f"{where} is gone: its logical ID changed or it was removed (CloudFormation deletes it)")
            continue
        if new["Type"] != old["Type"]:
            problems.append(f"{where} is now a {new['Type']}")
            continue
        for name in sorted(set(old["Properties"]) | set(new["Properties"])):
            was, now = old["Properties"].get(name, "(absent)"), new["Properties"].get(name, "(absent)")
            if was != now:
                problems.append(f"{where} property {name}: {json.dumps(was)} -> {json.dumps(now)} replaces it")
        for name in DATA_POLICIES:
            was, now = old.get(name, "(absent)"), new.get(name, "(absent)")
            if was != now:
                problems.append(f"{where} {name}: {was} -> {now}")
    return problems
