"""Alert routing: each alarm's severity and runbook link, PipelineUnhealthy, and where each severity notifies.

The default pipeline (shared synthesis) shows the defaults; two routed pipelines share one synthesis each.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk import Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from stacks import build_stack
from test_validation import problems_of

from shipment_pipeline_constructs import AlarmRouting, AlarmThreshold, AlarmThresholds, ShipmentEventPipeline, shape
from shipment_pipeline_constructs.compliance import cfn_lint_findings, unacknowledged_findings
from shipment_pipeline_constructs.observe import ALARM_DEFINITIONS

TOPIC = {"Ref": "PipelineAlarmTopicD2AEE5E8"}
DOCS = "https://shipment-pipeline.github.io/shipment-pipeline-constructs/operate/"
PAGER = "arn:aws:sns:eu-west-1:111111111111:pager"
TEAM = "arn:aws:sns:eu-west-1:111111111111:team"
OPS_ITEM = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ssm:eu-west-1:111111111111:opsitem:3"]]}
DEFAULT_CRITICAL = [
    "MessagesNearExpiry",
    "DeadLetterMessages",
    "TargetDeadLetterMessages",
    "FunctionErrors",
    "FailedInvocations",
]


def resource(synthesized, construct) -> dict:
    stack, _, template = synthesized
    return template.to_json()["Resources"][stack.get_logical_id(construct.node.default_child)]


def alarm(synthesized, name: str) -> dict:
    return resource(synthesized, synthesized[1].alarms[name])["Properties"]


def unhealthy(synthesized) -> dict:
    return resource(synthesized, synthesized[1].unhealthy_alarm)["Properties"]


def rule_members(rule: dict) -> list[str]:
    """The logical IDs an AlarmRule names: ``ALARM("<arn of X>") OR ...``, arns written as Fn::GetAtt."""
    return [part["Fn::GetAtt"][0] for part in rule["Fn::Join"][1] if isinstance(part, dict)]


# --- defaults ---------------------------------------------------------------------------------------------


def test_critical_means_data_at_risk_or_not_flowing_and_every_default_has_a_reason():
    assert [alarm_id for alarm_id, d in shape.ALARM_DEFAULTS.items() if d.severity == shape.CRITICAL] == (
        DEFAULT_CRITICAL
    )
    assert list(shape.ALARM_DEFAULTS) == list(shape.ALARM_IDS)
    assert all(d.severity in shape.SEVERITIES and len(d.severity_reason) > 40 for d in shape.ALARM_DEFAULTS.values())


def test_each_alarm_says_its_severity_and_links_its_runbook_section(default_pipeline):
    _, pipeline, _ = default_pipeline
    assert dict(pipeline.alarm_severities) == {d.name: d.default_severity for d in ALARM_DEFINITIONS}
    for definition in ALARM_DEFINITIONS:
        description = alarm(default_pipeline, definition.name)["AlarmDescription"]
        # THEN the operator tooling reads both back from the description alone
        assert shape.parse_alarm_description(description) == (
            definition.default_severity,
            f"{DOCS}#{shape.runbook_anchor(definition.name)}",
        )
        assert len(description) <= 1024


def test_pipeline_unhealthy_fires_on_any_critical_alarm_and_notifies_the_topic(default_pipeline):
    stack, pipeline, template = default_pipeline
    template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 1)
    props = unhealthy(default_pipeline)
    assert props["AlarmName"] == "shipment-events-test-pipeline-unhealthy"
    assert [alarm_id for alarm_id in pipeline.alarms if pipeline.alarms[alarm_id] in pipeline.critical_alarms] == (
        DEFAULT_CRITICAL
    )
    critical_ids = [stack.get_logical_id(a.node.default_child) for a in pipeline.critical_alarms]
    assert rule_members(props["AlarmRule"]) == critical_ids
    assert " OR " in "".join(p for p in props["AlarmRule"]["Fn::Join"][1] if isinstance(p, str))
    assert (props["AlarmActions"], props["OKActions"]) == ([TOPIC], [TOPIC])
    assert shape.parse_alarm_description(props["AlarmDescription"]) == ("critical", f"{DOCS}#pipeline-unhealthy")


def test_the_composite_alarm_lives_under_alarms_and_existing_alarm_ids_are_unchanged(default_pipeline):
    stack, pipeline, _ = default_pipeline
    assert pipeline.unhealthy_alarm.node.path == "TestStack/Pipeline/Alarms/PipelineUnhealthy"
    for alarm_id, construct in pipeline.alarms.items():
        assert construct.node.path == f"TestStack/Pipeline/Alarms/{alarm_id}"
        assert stack.get_logical_id(construct.node.default_child).startswith(f"PipelineAlarms{alarm_id}")


def test_no_critical_alarm_no_composite():
    def build(stack: Stack) -> ShipmentEventPipeline:
        only_warnings = {d.threshold_field: None for d in shape.ALARM_DEFAULTS.values() if d.severity == "critical"}
        return ShipmentEventPipeline(stack, "Pipeline", alarms=AlarmThresholds(**only_warnings), dashboard=False)

    _, pipeline, template = build_stack("routing-only-warnings", build)
    assert pipeline.unhealthy_alarm is None and pipeline.critical_alarms == ()
    template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 0)


# --- every severity routed elsewhere ----------------------------------------------------------------------


def _routed(stack: Stack) -> ShipmentEventPipeline:
    pager = sns.Topic.from_topic_arn(stack, "Pager", PAGER)
    team = sns.Topic.from_topic_arn(stack, "Team", TEAM)
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="routed",
        alarm_routing=AlarmRouting(
            critical=pager,
            warning=[team],
            extra_actions=[cloudwatch_actions.SsmAction(cloudwatch_actions.OpsItemSeverity.MEDIUM)],
            severities={"QueueBacklog": "critical", "FunctionErrors": "warning"},
            runbook_links={"DeadLetterMessages": "https://wiki.example.com/shipments#dlq"},
            runbook_base_url="https://wiki.example.com/shipments/runbook",
        ),
    )


@pytest.fixture(scope="module")
def routed():
    return build_stack("routing-every-severity", _routed)


def test_critical_alarms_page_on_alarm_and_ok_and_warnings_notify_on_alarm_only(routed):
    _, pipeline, template = routed
    for alarm_id, severity in pipeline.alarm_severities.items():
        props = alarm(routed, alarm_id)
        if severity == "critical":
            assert (props["AlarmActions"], props["OKActions"]) == ([PAGER, OPS_ITEM], [PAGER]), alarm_id
        else:
            assert (props["AlarmActions"], props.get("OKActions")) == ([TEAM, OPS_ITEM], None), alarm_id
    props = unhealthy(routed)
    assert (props["AlarmActions"], props["OKActions"]) == ([PAGER, OPS_ITEM], [PAGER])
    # AND no alarm notifies the alarm topic, so the construct creates none (and no key for it)
    assert pipeline.alarm_topic is None
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is("AWS::KMS::Key", 0)


def test_severity_overrides_decide_what_pipeline_unhealthy_watches(routed):
    stack, pipeline, _ = routed
    assert pipeline.alarm_severities["QueueBacklog"] == "critical"
    assert pipeline.alarm_severities["FunctionErrors"] == "warning"
    assert rule_members(unhealthy(routed)["AlarmRule"]) == [
        stack.get_logical_id(pipeline.alarms[name].node.default_child)
        for name in (
            "QueueBacklog",
            "MessagesNearExpiry",
            "DeadLetterMessages",
            "TargetDeadLetterMessages",
            "FailedInvocations",
        )
    ]
    assert alarm(routed, "FunctionErrors")["AlarmDescription"].startswith("WARNING: ")


def test_runbook_links_follow_the_base_url_unless_given_per_alarm(routed):
    links = {
        name: shape.parse_alarm_description(alarm(routed, name)["AlarmDescription"])[1] for name in routed[1].alarms
    }
    assert links["DeadLetterMessages"] == "https://wiki.example.com/shipments#dlq"
    assert links["QueueBacklog"] == "https://wiki.example.com/shipments/runbook#queue-backlog"
    assert shape.parse_alarm_description(unhealthy(routed)["AlarmDescription"])[1] == (
        "https://wiki.example.com/shipments/runbook#pipeline-unhealthy"
    )


def test_the_dashboard_rows_follow_the_routed_severities(routed):
    _, _, template = routed
    (board,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    body = "".join(
        p if isinstance(p, str) else json.dumps(p) for p in board["Properties"]["DashboardBody"]["Fn::Join"][1]
    )
    critical_row = body[body.index("Critical alarms") : body.index("Warning alarms")]
    assert "PipelineAlarmsQueueBacklog" in critical_row and "PipelineAlarmsFunctionErrors" not in critical_row


def test_routing_adds_no_compliance_finding(routed, tmp_path):
    stack, _, template = routed
    assert [str(finding) for finding in unacknowledged_findings(stack)] == []
    path = tmp_path / "routed.template.json"
    path.write_text(json.dumps(template.to_json()))
    assert cfn_lint_findings(path) == []


# --- one severity routed, the other to the alarm topic ----------------------------------------------------


def _critical_routed_warnings_to_topic(stack: Stack) -> ShipmentEventPipeline:
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="paged",
        alarm_emails=["team@example.com"],
        alarm_routing=AlarmRouting(critical=[sns.Topic.from_topic_arn(stack, "Pager", PAGER)]),
    )


def test_a_severity_left_unrouted_keeps_the_alarm_topic_and_its_email_subscriptions():
    _, pipeline, template = build_stack("routing-critical-only", _critical_routed_warnings_to_topic)
    topic = {"Ref": "PipelineAlarmTopicD2AEE5E8"}
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "team@example.com", "TopicArn": topic}
    )
    synthesized = (pipeline.node.scope, pipeline, template)
    assert (alarm(synthesized, "QueueBacklog")["AlarmActions"], alarm(synthesized, "QueueBacklog")["OKActions"]) == (
        [topic],
        [topic],
    )
    assert (alarm(synthesized, "DeadLetterMessages")["AlarmActions"], unhealthy(synthesized)["AlarmActions"]) == (
        [PAGER],
        [PAGER],
    )


# --- validation -------------------------------------------------------------------------------------------


def test_routing_every_severity_away_from_a_given_topic_or_emails_is_an_error():
    stack = Stack()
    pager = sns.Topic.from_topic_arn(stack, "Pager", PAGER)
    assert problems_of(alarm_emails=["ops@example.com"], alarm_routing=AlarmRouting(critical=pager, warning=pager)) == [
        "alarm_routing sends every severity elsewhere, so no alarm would notify the alarm topic that alarm_topic / "
        "alarm_emails set up: leave alarm_routing.critical or .warning as None (that severity then goes to the "
        "alarm topic), or put the topic in alarm_routing and drop alarm_topic / alarm_emails"
    ]


def test_every_routing_problem_is_reported_at_once():
    problems = problems_of(
        alarms=AlarmThresholds(function_throttles=None, queue_backlog_messages=AlarmThreshold(10)),
        alarm_routing=AlarmRouting(
            critical=[],
            warning="team-topic",
            severities={"QueueBacklog": "urgent", "DLQ": "critical", "FunctionThrottles": "warning"},
            runbook_links={"PipelineUnhealthy": "wiki/unhealthy", "Conflicts": "https://x.example/" + "a" * 800},
            runbook_base_url="https://wiki.example.com/runbook#top",
        ),
    )
    assert problems == [
        "alarm_routing.warning must be an ITopic or an IAlarmAction or a list of ITopic or IAlarmAction or None, "
        "got the string 'team-topic'",
        "alarm_routing.severities must be a mapping of strings to one of 'critical', 'warning', got "
        "{'QueueBacklog': 'urgent', 'DLQ': 'critical', 'FunctionThrottles': 'warning'}",
        "alarm_routing.critical is an empty list: those alarms would notify no one; give at least one topic or "
        "action, or None for the alarm topic (or turn the alarms off in alarms=)",
        "alarm_routing.runbook_base_url must be an http(s) URL without spaces or '#' (each alarm adds its own "
        "#anchor), got 'https://wiki.example.com/runbook#top'",
        "alarm_routing.runbook_links['PipelineUnhealthy'] must be an http(s) URL without spaces, got 'wiki/unhealthy'",
        # "WARNING: " (9) + the Conflicts text (276) + " Runbook: " (10) + the 818-character link
        "alarm_routing.runbook_links['Conflicts'] makes the alarm's description 1113 characters; CloudWatch takes "
        "at most 1024: use a shorter link",
    ]


def test_overrides_must_name_alarms_that_exist_and_are_on():
    problems = problems_of(
        alarms=AlarmThresholds(function_throttles=None),
        alarm_routing=AlarmRouting(severities={"DLQ": "critical", "FunctionThrottles": "critical"}),
    )
    assert problems == [
        f"alarm_routing.severities: 'DLQ' is not an alarm of the pipeline; its alarms are {', '.join(shape.ALARM_IDS)}",
        "alarm_routing.severities['FunctionThrottles']: that alarm is off (alarms.function_throttles is None): "
        "drop it from alarm_routing.severities, or turn the alarm on",
    ]


def test_routing_without_alarms_or_without_an_alarm_of_a_routed_severity_is_an_error():
    pager = sns.Topic.from_topic_arn(Stack(), "Pager", PAGER)
    assert problems_of(alarms=AlarmThresholds.disabled(), alarm_routing=AlarmRouting(critical=pager)) == [
        "alarm_routing routes the pipeline's alarms, but every alarm is off (alarms=): drop alarm_routing, "
        "or turn alarms on"
    ]
    everything_warns = {alarm_id: "warning" for alarm_id in DEFAULT_CRITICAL}
    assert problems_of(alarm_routing=AlarmRouting(critical=pager, severities=everything_warns)) == [
        "alarm_routing.critical is given, but no alarm that is on is critical: set an alarm's severity with "
        "alarm_routing.severities, or drop alarm_routing.critical"
    ]
