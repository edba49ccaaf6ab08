"""The documentation site builds with ``--strict`` and holds what it promises."""

from __future__ import annotations

import argparse
import re

import pytest

import shipment_pipeline_constructs as package
from shipment_pipeline_constructs.cli import build_parser

pytestmark = pytest.mark.slow  # mkdocs and mkdocstrings: 10-20 s


def test_every_public_name_has_an_api_page_rendered_from_its_docstring(built_site):
    for name in package.__all__:
        page = built_site / "api" / name / "index.html"
        assert page.exists(), f"no API page for {name}"
        html = page.read_text()
        assert f'id="shipment_pipeline_constructs.{name}"' in html
        assert not re.search(r":(class|func|meth|attr|mod):`", html), f"raw Sphinx role on the {name} page"


def test_the_cli_reference_lists_every_command_and_option(built_site):
    html = (built_site / "cli" / "index.html").read_text()

    def commands(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from (
                        commands(sub, f"{prefix} {name}") if _has_subcommands(sub) else [(f"{prefix} {name}", sub)]
                    )

    found = list(commands(build_parser(), "shipment-pipeline"))
    assert len(found) >= 10  # dlq's two subcommands included
    for name, sub in found:
        assert f"<code>{name}</code>" in html, f"{name} missing from the CLI reference"
        section = html[html.index(f"<code>{name}</code>") :]
        for option in [o for action in sub._actions for o in action.option_strings if o.startswith("--")]:
            if option != "--help":
                assert f"<code>{option}" in section, f"{name} {option} missing from the CLI reference"


def _has_subcommands(parser) -> bool:
    return any(isinstance(action, argparse._SubParsersAction) for action in parser._actions)


def test_examples_are_included_from_the_real_files(built_site):
    html = (built_site / "examples" / "vpc" / "index.html").read_text()
    assert "ShipmentEventPipeline" in html and "--8&lt;--" not in html and "--8<--" not in html
