"""MkDocs hook: the CLI reference, generated from the ``shipment-pipeline`` argparse parser.

A page holding ``<!-- cli-reference -->`` gets one section per subcommand (nested ones included): what
``--help`` says, the example, and a table of options per argument group. Nothing is written by hand, so the
page cannot drift from the command.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

MARKER = "<!-- cli-reference -->"


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Replace the marker with the reference."""
    if MARKER not in markdown:
        return markdown
    from shipment_pipeline_constructs.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps usage lines at the terminal width: keep the page stable
    return markdown.replace(MARKER, render(build_parser()))


def render(parser: argparse.ArgumentParser) -> str:
    """Markdown for every subcommand of ``parser``."""
    return "\n".join(_command(name, sub, help_text) for name, sub, help_text in _subcommands(parser, parser.prog))


def _subcommands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, argparse.ArgumentParser, str]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {str(choice.dest): choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                full = f"{prefix} {name}"
                nested = _subcommands(sub, full)
                found += nested or [(full, sub, helps.get(name, ""))]
    return found


def _command(name: str, parser: argparse.ArgumentParser, help_text: str) -> str:
    description, example = _split_example(parser.description or "")
    usage = parser.format_usage().removeprefix("usage: ").strip()
    parts = [f"## `{name}`\n", f"{_capitalised(help_text)}\n" if help_text else ""]
    parts.append(f"```text\n{usage}\n```\n")
    if description:
        parts.append(description + "\n")
    if example:
        parts.append(f"Example:\n\n```bash\n{example}\n```\n")
    for group in parser._action_groups:
        rows = [_row(action) for action in group._group_actions if action.help is not argparse.SUPPRESS]
        rows = [row for row in rows if row]
        if rows:
            heading = group.title or "options"
            title = {"positional arguments": "arguments", "optional arguments": "options"}.get(heading, heading)
            parts.append(f"**{title}**\n\n| option | description |\n| --- | --- |\n" + "\n".join(rows) + "\n")
    return "\n".join(part for part in parts if part)


def _row(action: argparse.Action) -> str:
    if isinstance(action, argparse._HelpAction):
        return ""
    if action.option_strings:
        metavar = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
        names = ", ".join(f"`{option}{metavar}`" for option in action.option_strings)
    else:
        names = f"`{action.metavar or action.dest}`"
    text = (action.help or "") % {"default": action.default, "prog": "", "choices": action.choices}
    extras = []
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        extras.append("one of " + ", ".join(f"`{choice}`" for choice in action.choices))
    if action.required and action.option_strings:
        extras.append("required")
    if action.default not in (None, False, argparse.SUPPRESS, []) and "default" not in text:
        extras.append(f"default: `{action.default}`")
    if isinstance(action, argparse._AppendAction):
        extras.append("repeatable")
    described = "; ".join([text, *extras]) if text else "; ".join(extras)
    cell = described.replace("|", r"\|")
    return f"| {names} | {cell} |"


def _split_example(description: str) -> tuple[str, str]:
    """``(text, example)`` from a description that ends with ``example:`` and indented command lines."""
    match = re.search(r"\n\s*examples?:\n(?P<body>(?:[ \t]+.*\n?)+)\s*$", description)
    if not match:
        return description.strip(), ""
    body = "\n".join(line.strip() for line in match["body"].splitlines() if line.strip())
    return description[: match.start()].strip(), body


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
