"""Run a synthesized ShipmentEventPipeline on one machine, on moto's embedded AWS emulator.

Needs the optional extra ``local``: ``pip install shipment-pipeline-constructs[local]``.
Modules, one job each: :mod:`.emulator` (moto's server on 127.0.0.1),
:mod:`.template` (the runnable pipeline in a template, and its code folder),
:mod:`.provision` (create its resources from their properties),
:mod:`.function` (the bundled handler, in-process), :mod:`.poller` (the
local event source mapping), :mod:`.stand_ins` (both configured from the
template), :mod:`.load` (events in), :mod:`.traffic` (paced sends, draining,
replays), :mod:`.state` (reading queues and tables), :mod:`.faults`
(injected failures), :mod:`.report` (reconciliation),
:mod:`.permissions` (the IAM grants moto does not enforce, checked in the
template), :mod:`.runner` (composes them; its docstring lists what moto
cannot represent and what the runner does instead).

Example::

    from shipment_pipeline_constructs.local import run_local

    report = run_local(count=200, duplicate_rate=0.1, invalid_rate=0.05)
    assert report["unaccounted"] == 0
"""

from .emulator import MissingEmulatorError
from .faults import FaultInjector
from .load import generate_load, read_entries
from .runner import LocalPipeline, find_template, run_local, summary_lines
from .template import TemplateError

__all__ = [
    "FaultInjector",
    "LocalPipeline",
    "MissingEmulatorError",
    "TemplateError",
    "find_template",
    "generate_load",
    "read_entries",
    "run_local",
    "summary_lines",
]
