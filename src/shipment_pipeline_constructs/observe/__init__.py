"""Operations built in: metrics, alarms, notifications and the dashboard of a pipeline.

Three jobs kept apart, one module each: :mod:`.metrics` builds metrics,
:mod:`.alarms` builds alarms from :mod:`.thresholds`, :mod:`.dashboard` lays
out widgets; :mod:`.notifications` owns the alarm topic and :mod:`.stage`
wires them for :class:`~shipment_pipeline_constructs.ShipmentEventPipeline`.
"""

from .alarms import ALARM_DEFINITIONS, AlarmDefinition
from .metrics import PipelineMetricFactory
from .thresholds import AlarmThreshold, AlarmThresholds

__all__ = ["ALARM_DEFINITIONS", "AlarmDefinition", "AlarmThreshold", "AlarmThresholds", "PipelineMetricFactory"]
