"""Capacity planning: will a pipeline keep up with a load, when does it catch up, which alarm and which limit first.

Modules, one job each: :mod:`.load` (the load), :mod:`.model` (batch
duration and consumer capacity), :mod:`.figures` (the AWS figures and their
sources), :mod:`.simulate` (the queue, step by step), :mod:`.alarms` (when
an alarm fires and clears), :mod:`.limits` (which quota is hit first),
:mod:`.advice` (the smallest settings for a target age), :mod:`.settings`
(settings from a template or a scaling profile), :mod:`.plan` (all of it
for one load) and :mod:`.render` (text, JSON, PNG). None of them imports
aws-cdk-lib.

Example::

    from shipment_pipeline_constructs.capacity import ConsumerSettings, Load, build_plan, format_plan

    print(format_plan(build_plan(Load.peak(30_000, 10, 30), ConsumerSettings(), target_age_seconds=60)))
"""

from .load import Load, LoadError
from .model import ConsumerSettings, PollerScaling, ProcessingModel
from .plan import Plan, build_plan
from .render import format_plan, plan_to_dict
from .simulate import Scenario, SimulationResult, Workload, simulate

__all__ = [
    "ConsumerSettings",
    "Load",
    "LoadError",
    "Plan",
    "PollerScaling",
    "ProcessingModel",
    "Scenario",
    "SimulationResult",
    "Workload",
    "build_plan",
    "format_plan",
    "plan_to_dict",
    "simulate",
]
