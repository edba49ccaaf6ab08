"""The consumer settings and alarm rules of a pipeline: from a synthesized template, or from a scaling profile.

A template is read through :mod:`..template_reader`, as every operator
command reads one: the pipeline's resources by role (``shape.PARTS``) and
its alarms by construct path (``shape.alarm_path_suffix``); an alarm the
template does not hold is off. The cost configuration comes from the cost
model's own reader (``PipelineConfig.from_template``), which picks the same
pipeline, so the plan prices what it simulates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import defaults, shape
from ..ops.cost import PipelineConfig
from ..shape import ALARM_ID
from ..template_reader import PATH_METADATA, PipelineTemplate, StackTemplate
from .alarms import SIMULATED_ALARMS, AlarmRule, default_alarm_rules
from .model import ConsumerSettings

__all__ = ["settings_from_profile", "settings_from_template"]


def settings_from_template(
    template: Mapping[str, Any], source: str = "template"
) -> tuple[ConsumerSettings, dict[str, AlarmRule], PipelineConfig]:
    """The consumer settings, the simulated alarms' rules and the cost configuration of the pipeline in ``template``.

    A stack with several pipelines is read as the cost model reads it: the
    first pipeline by construct path. Raises ``ValueError`` when the
    template holds no pipeline.
    """
    config = PipelineConfig.from_template(template, source=source)
    stack = StackTemplate.parse(template)
    # The same pipeline the cost model reads (roles a template without path metadata lacks are found by shape).
    pipeline = stack.pipeline_by_shape()
    mapping = pipeline.properties("event_source")
    function = pipeline.properties("function")
    queue = pipeline.properties("queue")
    dead_letter = pipeline.properties("dead_letter_queue")
    provisioned = None
    if config.provisioned is not None:
        min_write, max_write, _min_read, _max_read, target = config.provisioned
        provisioned = (min_write, max_write, target)
    settings = ConsumerSettings(
        batch_size=int(mapping.get("BatchSize", 10)),
        # Without ScalingConfig the mapping is bounded by the poller's own maximum.
        max_concurrency=int(mapping.get("ScalingConfig", {}).get("MaximumConcurrency", 1000)),
        batching_window_seconds=float(mapping.get("MaximumBatchingWindowInSeconds", 0)),
        memory_mib=int(function.get("MemorySize", 128)),
        timeout_seconds=float(function.get("Timeout", 3)),
        retention_seconds=float(queue.get("MessageRetentionPeriod", 345_600)),
        dead_letter_retention_seconds=float(dead_letter.get("MessageRetentionPeriod", 345_600)),
        provisioned=provisioned,
        source=source,
    )
    by_path = stack.pipelines()
    alarms = _alarms(by_path[0]) if by_path else {}
    rules = {}
    for name in SIMULATED_ALARMS:
        rule = _alarm_rule(alarms.get(name, {}))
        if rule is not None:
            rules[name] = rule
    return settings, rules, config


def settings_from_profile(name: str) -> tuple[ConsumerSettings, dict[str, AlarmRule], PipelineConfig]:
    """The settings a pipeline built with ``ScalingProfile.named(name).pipeline_props()`` deploys.

    Imports the profile (and so aws-cdk-lib) only when called.
    """
    from ..scaling import ScalingProfile

    profile = ScalingProfile.named(name)
    props = profile.pipeline_props()
    processor, thresholds = props["processor"], props["alarms"]
    visibility = processor.timeout_seconds * defaults.VISIBILITY_TIMEOUT_FACTOR
    thresholds = thresholds.fitted_to(visibility_timeout_seconds=visibility)
    capacity = profile.provisioned
    settings = ConsumerSettings(
        batch_size=processor.batch_size,
        max_concurrency=processor.max_concurrency,
        batching_window_seconds=processor.max_batching_window_seconds,
        memory_mib=processor.memory_size_mib,
        timeout_seconds=processor.timeout_seconds,
        provisioned=None
        if capacity is None
        else (capacity.min_write_units, capacity.max_write_units, capacity.target_utilization_percent),
        source=f"scaling profile {profile.name}",
    )
    fields = {
        ALARM_ID.queue_backlog: "queue_backlog_messages",
        ALARM_ID.oldest_message_age: "oldest_message_age_seconds",
        ALARM_ID.dead_letter_messages: "dead_letter_messages",
        ALARM_ID.table_throttles: "table_throttled_requests",
    }
    rules = default_alarm_rules()
    for alarm, field in fields.items():
        threshold = getattr(thresholds, field)
        if threshold is None:
            rules.pop(alarm)
            continue
        rules[alarm] = AlarmRule(
            threshold.value, threshold.period_minutes * 60, threshold.evaluation_periods, threshold.datapoints_to_alarm
        )
    config = PipelineConfig.from_options(**props)
    return settings, rules, config


def _alarms(pipeline: PipelineTemplate) -> dict[str, Mapping[str, Any]]:
    """The pipeline's alarms' ``Properties`` by construct id (``QueueBacklog``...)."""
    by_path = {pipeline.construct_path + shape.alarm_path_suffix(name): name for name in shape.ALARM_IDS}
    found: dict[str, Mapping[str, Any]] = {}
    for logical_id in pipeline.alarm_logical_ids:
        resource = pipeline.resources[logical_id]
        name = by_path.get(resource.get("Metadata", {}).get(PATH_METADATA, ""))
        if name is not None:
            found[name] = resource.get("Properties", {})
    return found


def _alarm_rule(properties: Mapping[str, Any]) -> AlarmRule | None:
    if not properties:
        return None
    period = properties.get("Period")
    if period is None:  # a metric-math alarm: the period of its first metric
        period = next((m["MetricStat"]["Period"] for m in properties.get("Metrics", []) if "MetricStat" in m), 300)
    return AlarmRule(
        threshold=float(properties["Threshold"]),
        period_seconds=int(period),
        evaluation_periods=int(properties.get("EvaluationPeriods", 1)),
        datapoints_to_alarm=properties.get("DatapointsToAlarm"),
    )
