"""MkDocs hook: one API reference page per name in ``shipment_pipeline_constructs.__all__``, rendered by mkdocstrings.

The pages and their place in the navigation come from ``__all__`` (read by griffe, nothing imported), so a new
public name gets its page without touching ``mkdocs.yml``; the browser test fails when one is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from api_docs import exported_names, load, markdown_text  # noqa: E402

PACKAGE = "shipment_pipeline_constructs"
NAV_TITLE = "API reference"


def public_names() -> list[str]:
    """The exported names, in ``__all__`` order."""
    return exported_names(load())


def on_config(config: Any) -> Any:
    """Fill the ``API reference`` section of the navigation with the generated pages."""
    pages = ["api/index.md", *({name: f"api/{name}.md"} for name in public_names())]
    for position, item in enumerate(config["nav"]):
        if isinstance(item, dict) and NAV_TITLE in item:
            config["nav"][position] = {NAV_TITLE: pages}
            return config
    raise ValueError(f"mkdocs.yml: the nav needs an entry '{NAV_TITLE}: api/index.md'")


def on_files(files: Files, config: Any) -> Files:
    """Add ``api/index.md`` (a table of every public name) and one page per name."""
    package = load()
    names = exported_names(package)
    rows = ["| name | what it is |", "| --- | --- |"]
    for name in names:
        target = package[name].final_target
        summary = target.docstring.value.split("\n\n")[0].replace("\n", " ") if target.docstring else ""
        cell = markdown_text(summary, lambda n: f"[`{n}`]({n}.md)" if n in names else None)
        cell = cell.replace("|", r"\|")
        rows.append(f"| [`{name}`]({name}.md) | {cell} |")
        files.append(File.generated(config, f"api/{name}.md", content=f"::: {PACKAGE}.{name}\n"))
    index = (
        "# API reference\n\n"
        f"Everything `{PACKAGE}` exports, generated from the docstrings. Start with "
        "[`ShipmentEventPipeline`](ShipmentEventPipeline.md); its settings are grouped in the `*Options` "
        "dataclasses. The same reference is in the repository as `API.md`.\n\n" + "\n".join(rows) + "\n"
    )
    files.append(File.generated(config, "api/index.md", content=index))
    return files
