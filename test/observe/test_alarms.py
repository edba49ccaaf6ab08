"""The built-in alarms: what each watches, when it fires, where it notifies.

The default pipeline (one session-wide synthesis) serves most tests; the
overrides share one more synthesis.
"""

from __future__ import annotations

import pytest
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match
from stacks import build_stack, synth

from shipment_pipeline_constructs import AlarmThreshold, AlarmThresholds, ShipmentEventPipeline, shape
from shipment_pipeline_constructs.observe import ALARM_DEFINITIONS

TOPIC = {"Ref": "PipelineAlarmTopicD2AEE5E8"}
QUEUE_NAME = {"Fn::GetAtt": ["PipelineQueueC13966F5", "QueueName"]}
FUNCTION = {"Ref": "PipelineProcessorD7E2B244"}

# name: (namespace, metric, dimensions, statistic, period s, threshold, evaluation periods, datapoints, missing data)
EXPECTED = {
    "QueueBacklog": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        [{"Name": "QueueName", "Value": QUEUE_NAME}],
        "Maximum",
        300,
        630,
        3,
        None,
        "notBreaching",
    ),
    "OldestMessageAge": (
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        [{"Name": "QueueName", "Value": QUEUE_NAME}],
        "Maximum",
        300,
        900,
        1,
        None,
        "notBreaching",
    ),
    # A day before the default 4-day retention: events are about to be deleted unread.
    "MessagesNearExpiry": (
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        [{"Name": "QueueName", "Value": QUEUE_NAME}],
        "Maximum",
        300,
        259_200,
        1,
        None,
        "ignore",
    ),
    "DeadLetterMessages": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PipelineDeadLetterQueueF08023D6", "QueueName"]}}],
        "Maximum",
        60,
        1,
        1,
        None,
        "ignore",
    ),
    # Refused events wait apart from exhausted retries: a warning on its own queue, not the DLQ's page.
    "QuarantineMessages": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PipelineQuarantineQueueD22B6F86", "QueueName"]}}],
        "Maximum",
        300,
        1,
        1,
        None,
        "ignore",
    ),
    "TargetDeadLetterMessages": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PipelineTargetDeadLetterQueue88587787", "QueueName"]}}],
        "Maximum",
        60,
        1,
        1,
        None,
        "ignore",
    ),
    "FunctionErrors": (
        "AWS/Lambda",
        "Errors",
        [{"Name": "FunctionName", "Value": FUNCTION}],
        "Sum",
        300,
        1,
        3,
        2,
        "notBreaching",
    ),
    "FunctionThrottles": (
        "AWS/Lambda",
        "Throttles",
        [{"Name": "FunctionName", "Value": FUNCTION}],
        "Sum",
        300,
        1,
        1,
        None,
        "notBreaching",
    ),
    "FailedInvocations": (
        "AWS/Events",
        "FailedInvocations",
        [
            {"Name": "EventBusName", "Value": {"Ref": "PipelineEventBus6FAF1DE3"}},
            # A custom-bus rule's Ref is "<bus>|<rule>": the metric takes the rule part.
            {"Name": "RuleName", "Value": {"Fn::Select": [1, {"Fn::Split": ["|", {"Ref": "PipelineRuleE7E0A40A"}]}]}},
        ],
        "Sum",
        300,
        1,
        1,
        None,
        "notBreaching",
    ),
    "QuarantinedEvents": (
        "ShipmentPipeline",
        "Quarantined",
        [{"Name": "Pipeline", "Value": "shipment-events-test"}],
        "Sum",
        300,
        5,
        1,
        None,
        "notBreaching",
    ),
    # One conflict is two producers disagreeing about one event: a person decides.
    "Conflicts": (
        "ShipmentPipeline",
        "Conflicts",
        [{"Name": "Pipeline", "Value": "shipment-events-test"}],
        "Sum",
        300,
        1,
        1,
        None,
        "notBreaching",
    ),
}


def alarm_props(synthesized, name: str) -> dict:
    stack, pipeline, template = synthesized
    logical_id = stack.get_logical_id(pipeline.alarms[name].node.default_child)
    return template.to_json()["Resources"][logical_id]["Properties"]


def test_the_catalogue_defines_every_alarm_shape_names_in_its_order():
    # The operator tools find alarms by shape.ALARM_IDS: an id without a definition would never exist.
    assert tuple(definition.name for definition in ALARM_DEFINITIONS) == shape.ALARM_IDS


def test_every_alarm_of_the_catalogue_is_on_by_default(default_pipeline):
    _, pipeline, template = default_pipeline
    assert set(pipeline.alarms) == {definition.name for definition in ALARM_DEFINITIONS}
    template.resource_count_is("AWS::CloudWatch::Alarm", len(ALARM_DEFINITIONS))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_alarm_watches_its_metric_with_its_threshold_and_missing_data_policy(default_pipeline, name):
    namespace, metric, dimensions, statistic, period, threshold, evaluation, datapoints, missing = EXPECTED[name]
    props = alarm_props(default_pipeline, name)
    assert (props["Namespace"], props["MetricName"], props["Statistic"], props["Period"]) == (
        namespace,
        metric,
        statistic,
        period,
    )
    assert sorted(props["Dimensions"], key=lambda d: d["Name"]) == dimensions
    assert props["Threshold"] == threshold
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert props["EvaluationPeriods"] == evaluation
    assert props.get("DatapointsToAlarm") == datapoints
    assert props["TreatMissingData"] == missing


def test_table_throttle_alarm_adds_putitem_throttles_of_both_tables(default_pipeline):
    props = alarm_props(default_pipeline, "TableThrottles")
    assert (props["Threshold"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (1, 3, 2)
    assert props["TreatMissingData"] == "notBreaching"
    expression, *stats = props["Metrics"]
    assert expression["Expression"] == "events + errors" and expression["ReturnData"] is True
    tables = {"events": "PipelineEventsTableCF2EDC92", "errors": "PipelineErrorsTable7374816B"}
    for stat in stats:
        assert stat["ReturnData"] is False
        assert stat["MetricStat"]["Stat"] == "Sum" and stat["MetricStat"]["Period"] == 300
        metric = stat["MetricStat"]["Metric"]
        assert (metric["Namespace"], metric["MetricName"]) == ("AWS/DynamoDB", "ThrottledRequests")
        assert sorted(metric["Dimensions"], key=lambda d: d["Name"]) == [
            {"Name": "Operation", "Value": "PutItem"},
            {"Name": "TableName", "Value": {"Ref": tables[stat["Id"]]}},
        ]


@pytest.mark.parametrize("definition", ALARM_DEFINITIONS, ids=lambda definition: definition.name)
def test_every_alarm_notifies_the_topic_when_firing_and_when_clear_and_says_what_to_do(default_pipeline, definition):
    props = alarm_props(default_pipeline, definition.name)
    assert props["AlarmActions"] == [TOPIC]
    assert props["OKActions"] == [TOPIC]
    # The operator text of the catalogue is what the alarm and its notification carry, after the alarm's
    # default severity and before the link to its section of the documentation site's runbook.
    anchor = shape.runbook_anchor(definition.name)
    assert props["AlarmDescription"] == (
        f"{definition.default_severity.upper()}: {definition.description} "
        f"Runbook: https://shipment-pipeline.github.io/shipment-pipeline-constructs/operate/#{anchor}"
    )


def test_alarm_names_start_with_the_pipeline_name(default_pipeline):
    assert alarm_props(default_pipeline, "OldestMessageAge")["AlarmName"] == "shipment-events-test-oldest-message-age"
    assert (
        alarm_props(default_pipeline, "DeadLetterMessages")["AlarmName"] == "shipment-events-test-dead-letter-messages"
    )


def test_the_dlq_pages_as_critical_and_the_quarantine_queue_warns(default_pipeline):
    # Each alarm says how urgent it is and which command handles it.
    dlq = alarm_props(default_pipeline, "DeadLetterMessages")["AlarmDescription"]
    quarantine = alarm_props(default_pipeline, "QuarantineMessages")["AlarmDescription"]
    assert dlq.startswith("CRITICAL") and "quarantin" not in dlq and "dlq redrive" in dlq
    assert quarantine.startswith("WARNING") and "dlq inspect --quarantine" in quarantine


def test_defaults_follow_the_reference_scale():
    # 30,000 events a day is about 21 a minute: half an hour of them waiting.
    assert AlarmThresholds().queue_backlog_messages == AlarmThreshold(630, period_minutes=5, evaluation_periods=3)
    assert AlarmThresholds().oldest_message_age_seconds == AlarmThreshold(900)
    assert AlarmThresholds().quarantined_events == AlarmThreshold(5)
    assert AlarmThresholds().conflicts == AlarmThreshold(1)


def _own_topic_and_thresholds(stack):
    topic = sns.Topic.from_topic_arn(stack, "OnCall", "arn:aws:sns:eu-west-1:111111111111:on-call")
    return ShipmentEventPipeline(
        stack,
        "Pipeline",
        environment_suffix="tuned",
        alarm_topic=topic,
        alarm_emails=["ops@example.com"],
        alarms=AlarmThresholds(
            queue_backlog_messages=AlarmThreshold(100, period_minutes=1, evaluation_periods=10, datapoints_to_alarm=8),
            quarantined_events=None,
            function_throttles=None,
        ),
    )


@pytest.fixture(scope="module")
def tuned_alarms():
    return build_stack("observe-own-topic", _own_topic_and_thresholds)


def test_thresholds_periods_and_windows_are_props(tuned_alarms):
    props = alarm_props(tuned_alarms, "QueueBacklog")
    assert (props["Threshold"], props["Period"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (
        100,
        60,
        10,
        8,
    )


def test_an_alarm_set_to_none_is_not_created(tuned_alarms):
    _, pipeline, template = tuned_alarms
    assert "QuarantinedEvents" not in pipeline.alarms and "FunctionThrottles" not in pipeline.alarms
    template.resource_count_is("AWS::CloudWatch::Alarm", len(ALARM_DEFINITIONS) - 2)


def test_an_existing_topic_receives_every_alarm_and_no_topic_or_key_is_created(tuned_alarms):
    _, pipeline, template = tuned_alarms
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is("AWS::KMS::Key", 0)
    assert pipeline.alarm_topic.topic_arn == "arn:aws:sns:eu-west-1:111111111111:on-call"
    assert alarm_props(tuned_alarms, "DeadLetterMessages")["AlarmActions"] == [
        "arn:aws:sns:eu-west-1:111111111111:on-call"
    ]


def test_alarm_emails_subscribe_to_the_topic(tuned_alarms):
    _, _, template = tuned_alarms
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "ops@example.com", "TopicArn": "arn:aws:sns:eu-west-1:111111111111:on-call"},
    )


def test_no_alarm_means_no_topic_and_no_alarm_widget():
    _, pipeline, template = synth(environment_suffix="quiet", alarms=AlarmThresholds.disabled(), dashboard=False)
    assert pipeline.alarms == {} and pipeline.alarm_topic is None and pipeline.dashboard is None
    for kind in ("AWS::CloudWatch::Alarm", "AWS::SNS::Topic", "AWS::KMS::Key", "AWS::CloudWatch::Dashboard"):
        template.resource_count_is(kind, 0)


def test_created_topic_is_encrypted_with_a_rotating_key_cloudwatch_may_use_and_refuses_plain_http(default_template):
    default_template.has_resource_properties(
        "AWS::SNS::Topic",
        {
            "TopicName": "shipment-events-test-alarms",
            "KmsMasterKeyId": {"Fn::GetAtt": ["PipelineAlarmTopicKeyFFA133B0", "Arn"]},
        },
    )
    default_template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}},
                            }
                        )
                    ]
                )
            },
        },
    )
    default_template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "sns:Publish",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ),
                        # The TLS policy replaces SNS's default one: this account's alarms may publish.
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": "111111111111"},
                                    "ArnLike": {
                                        "aws:SourceArn": {
                                            "Fn::Join": [
                                                "",
                                                [
                                                    "arn:",
                                                    {"Ref": "AWS::Partition"},
                                                    ":cloudwatch:eu-west-1:111111111111:alarm:*",
                                                ],
                                            ]
                                        }
                                    },
                                },
                            }
                        ),
                    ]
                )
            }
        },
    )
