"""The documentation site builds with ``--strict`` and holds what it promises."""

from __future__ import annotations

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
    parser = build_parser()
    (commands,) = [action for action in parser._actions if action.choices and action.dest == "command"]
    for name, sub in commands.choices.items():
        assert f"shipment-pipeline {name}" in html, f"{name} missing from the CLI reference"
        options = [option for action in sub._actions for option in action.option_strings if option.startswith("--")]
        for option in options:
            if option != "--help":
                assert f"<code>{option}" in html, f"{name} {option} missing from the CLI reference"


def test_examples_are_included_from_the_real_files(built_site):
    html = (built_site / "examples" / "vpc" / "index.html").read_text()
    assert "ShipmentEventPipeline" in html and "--8&lt;--" not in html and "--8<--" not in html
