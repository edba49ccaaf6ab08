"""Synthesized stacks shared by the whole test session.

Synthesis costs seconds, so tests never build their own app: they ask
:func:`synth` for a pipeline with given props (or :func:`synth_example` for an
example app), and identical requests share one synthesis. Import these with
``from stacks import synth`` (a module name no other test folder uses).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

from shipment_pipeline_constructs.jsii_env import quiet_jsii

quiet_jsii()

from aws_cdk import App, Stack  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from shipment_pipeline_constructs import ShipmentEventPipeline  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

_cache: dict[str, tuple[Stack, ShipmentEventPipeline, Template]] = {}


def build_stack(key: str, build: Callable[[Stack], ShipmentEventPipeline]) -> tuple[Stack, ShipmentEventPipeline, Template]:
    """Build (once per session per ``key``) a stack holding one pipeline; returns stack, pipeline, template."""
    if key not in _cache:
        app = App()
        stack = Stack(app, "TestStack", env={"account": "111111111111", "region": "eu-west-1"})
        pipeline = build(stack)
        _cache[key] = (stack, pipeline, Template.from_stack(stack))
    return _cache[key]


def synth(**props: Any) -> tuple[Stack, ShipmentEventPipeline, Template]:
    """The pipeline with ``props``, synthesized once per distinct ``repr(props)``."""
    return build_stack(repr(sorted(props.items())), lambda stack: ShipmentEventPipeline(stack, "Pipeline", **props))


def load_example(name: str) -> Any:
    """Import ``examples/<name>/app.py`` as a module (examples are not a package)."""
    import importlib.util

    path = EXAMPLES / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_examples: dict[str, Any] = {}

# What `cdk synth` adds, so templates carry construct paths and asset locations.
SYNTH_CONTEXT = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}


def synth_example(name: str, **context: Any) -> tuple[App, Any]:
    """Build and synthesize ``examples/<name>`` once per session; returns the app and its cloud assembly."""
    key = repr((name, sorted(context.items())))
    if key not in _examples:
        app = App(context={**SYNTH_CONTEXT, **context})
        load_example(name).build_app(app)
        _examples[key] = (app, app.synth())
    return _examples[key]


def example_names() -> list[str]:
    """Every example app folder."""
    return sorted(path.parent.name for path in EXAMPLES.glob("*/app.py"))
