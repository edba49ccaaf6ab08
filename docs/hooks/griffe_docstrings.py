"""Griffe extension for the docs site: docstrings written for API.md and editors read well in mkdocstrings.

The package's docstrings use Sphinx roles (``:class:`X```) and ``Example::`` literal blocks. mkdocstrings would
show both raw; this turns them into cross-references (for the exported names) or code, and fenced code, with the
same conversion ``tools/api_docs.py`` applies to API.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from api_docs import PACKAGE, markdown_text, shown_default  # noqa: E402


class SphinxToMarkdown(griffe.Extension):
    """Rewrite every docstring of the package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != PACKAGE:
            return
        exported = set(pkg.exports or [])

        def link(name: str) -> str | None:
            return f"[`{name}`][{PACKAGE}.{name}]" if name in exported else None

        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = markdown_text(obj.docstring.value, link)
            # Signatures show ``ttl_days: int = 90``, not the constant's name: the figure is what a reader wants.
            for parameter in getattr(obj, "parameters", None) or []:
                if parameter.default is not None:
                    parameter.default = shown_default(pkg, parameter.default)
            if obj.is_attribute and obj.value is not None:
                obj.value = shown_default(pkg, obj.value)


def _walk(obj: Any) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)
