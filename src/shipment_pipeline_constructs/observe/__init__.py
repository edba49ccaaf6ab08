"""Operations built in: metrics, alarms, notifications and the dashboard of a pipeline.

One job per module: :mod:`.metrics` builds metrics, :mod:`.thresholds` says
when each alarm fires, :mod:`.alarms` builds the alarms, :mod:`.routing` gives
each its severity, runbook link and actions, :mod:`.notifications` owns the alarm topic, :mod:`.dashboard` lays out widgets, and :mod:`.stage`
wires them from the other stages' resources.
"""

from .alarms import ALARM_DEFINITIONS, AlarmDefinition
from .metrics import PipelineMetricFactory
from .routing import AlarmRouting
from .thresholds import AlarmThreshold, AlarmThresholds

__all__ = [
    "ALARM_DEFINITIONS",
    "AlarmDefinition",
    "AlarmRouting",
    "AlarmThreshold",
    "AlarmThresholds",
    "PipelineMetricFactory",
]
