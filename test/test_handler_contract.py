"""The construct sets exactly the environment the bundled handler reads."""

from __future__ import annotations

import ast
import sys

from stacks import REPO

LAMBDA_DIR = REPO / "lambda"


def handler_variables() -> tuple[str, ...]:
    sys.path.insert(0, str(LAMBDA_DIR))
    try:
        from shipment_processor import config
    finally:
        sys.path.remove(str(LAMBDA_DIR))
    return config.ENVIRONMENT_VARIABLES


def test_construct_sets_every_variable_the_handler_reads_and_no_other(default_pipeline):
    stack, pipeline, template = default_pipeline
    function = template.to_json()["Resources"][stack.get_logical_id(pipeline.function.node.default_child)]
    assert sorted(function["Properties"]["Environment"]["Variables"]) == sorted(handler_variables())


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
