"""The bundled handler and the construct agree on its environment and its metrics, through ``shape``.

The handler ships as a separate asset and cannot import the construct's
package, so it keeps its own lists; these tests tie them to
:mod:`shipment_pipeline_constructs.shape`, whichever side changes.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from collections.abc import Iterator, Mapping
from types import ModuleType

import pytest
from stacks import REPO

from shipment_pipeline_constructs import shape

LAMBDA_DIR = REPO / "lambda"


def handler_module(name: str) -> ModuleType:
    """``shipment_processor.<name>`` from the bundled handler's source."""
    sys.path.insert(0, str(LAMBDA_DIR))
    try:
        return __import__(f"shipment_processor.{name}", fromlist=[name])
    finally:
        sys.path.remove(str(LAMBDA_DIR))


class RecordingEnviron(Mapping[str, str]):
    """An empty environment that records every variable looked up in it."""

    def __init__(self) -> None:
        self.looked_up: list[str] = []

    def __getitem__(self, name: str) -> str:
        self.looked_up.append(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def variables_config_load_reads() -> list[str]:
    """Every variable ``config.load`` looks up, required or optional, whatever it makes of their absence."""
    config = handler_module("config")
    environ = RecordingEnviron()
    with pytest.raises(config.ConfigurationError):
        config.load(environ)
    return sorted(set(environ.looked_up))


def test_handler_reads_exactly_the_variables_shape_names():
    assert variables_config_load_reads() == sorted(
        getattr(shape.ENV, field.name) for field in dataclasses.fields(shape.ENV)
    )


def test_handler_declares_the_variables_it_reads():
    assert sorted(handler_module("config").ENVIRONMENT_VARIABLES) == variables_config_load_reads()


def test_handler_publishes_the_metrics_shape_names_in_the_same_order():
    metrics = handler_module("metrics")
    assert metrics.METRIC_NAMES == shape.PROCESSOR_METRICS
    assert metrics.DIMENSION_NAME == shape.METRIC_DIMENSION


def test_construct_sets_every_variable_the_handler_reads_and_no_other(default_pipeline):
    # A fallback (read only when the variable it stands in for is absent) is for functions configured before
    # that variable existed: the construct sets the variable itself, not the fallback.
    fallbacks = handler_module("config").FALLBACK_VARIABLES
    stack, pipeline, template = default_pipeline
    function = template.to_json()["Resources"][stack.get_logical_id(pipeline.function.node.default_child)]
    assert sorted(function["Properties"]["Environment"]["Variables"]) == [
        name for name in variables_config_load_reads() if name not in fallbacks
    ]
    assert set(fallbacks.values()) <= set(function["Properties"]["Environment"]["Variables"])


def test_a_function_configured_before_the_quarantine_queue_quarantines_to_its_dlq():
    config = handler_module("config")
    base = {
        shape.ENV.events_table_name: "events",
        shape.ENV.errors_table_name: "errors",
        shape.ENV.ttl_days: "90",
        shape.ENV.max_receive_count: "5",
        shape.ENV.metrics_namespace: "Test",
        shape.ENV.pipeline_name: "test",
    }
    # GIVEN the environment an older construct set (the DLQ's URL only)  THEN quarantined copies go to the DLQ
    older = config.load({**base, shape.ENV.dead_letter_queue_url: "https://sqs/dlq"})
    assert older.quarantine_destination == "https://sqs/dlq"
    # GIVEN this construct's environment  THEN they go to the quarantine queue, whatever else is set
    current = config.load({**base, shape.ENV.quarantine_queue_url: "https://sqs/quarantine"})
    assert current.quarantine_destination == "https://sqs/quarantine"
    both = config.load({**base, shape.ENV.quarantine_queue_url: "https://sqs/q", shape.ENV.dead_letter_queue_url: "d"})
    assert both.quarantine_destination == "https://sqs/q"
    # GIVEN neither  THEN init fails naming the variable the construct sets
    with pytest.raises(config.ConfigurationError, match="QUARANTINE_QUEUE_URL is not set"):
        config.load(base)


def test_handler_reads_the_environment_only_through_config_load():
    # GIVEN every module of the handler  THEN  only app.py hands os.environ over, to config.load
    for path in sorted((LAMBDA_DIR / "shipment_processor").glob("*.py")):
        tree = ast.parse(path.read_text())
        uses = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv")
            and getattr(node.value, "id", "") == "os"
        ]
        if path.name != "app.py":
            assert not uses, f"{path.name} reads os.environ directly; configuration belongs in config.load"
