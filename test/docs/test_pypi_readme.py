"""The PyPI page: the long description the build writes, rendered exactly as PyPI renders it."""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape

import pytest
from stacks import REPO

readme_renderer_markdown = pytest.importorskip("readme_renderer.markdown")

DOCS_URL = "https://shipment-pipeline.github.io/shipment-pipeline-constructs/"
REPO_URL = "https://github.com/shipment-pipeline/shipment-pipeline-constructs"


@pytest.fixture(scope="module")
def long_description() -> str:
    """What hatchling puts in the package's metadata (its fancy-pypi-readme hook applied), as the build does."""
    result = subprocess.run(
        [sys.executable, "-m", "hatchling", "metadata", "readme"], cwd=REPO, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.fixture(scope="module")
def html(long_description) -> str:
    # PyPI renders text/markdown with readme_renderer's GFM variant; None means PyPI would reject the upload.
    rendered = readme_renderer_markdown.render(long_description, variant="GFM")
    assert rendered is not None, "readme_renderer cannot render the long description"
    return rendered


def test_it_opens_with_what_it_is_and_who_it_is_for(html):
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.S)
    assert "construct library for Python" in paragraphs[0] and "ShipmentEventPipeline" in paragraphs[0]
    assert "platform teams" in paragraphs[1]


def test_install_and_usage_come_before_anything_else(html):
    text = unescape(re.sub(r"<[^>]+>", "", html))  # what a reader sees
    install = text.index("pip install shipment-pipeline-constructs")
    usage = text.index('ShipmentEventPipeline(self, "Pipeline"')
    assert install < usage < text.index("Architecture") < text.index("What you get")


def test_the_diagram_is_plain_text_not_mermaid_source(html, long_description):
    assert "mermaid" not in long_description and "flowchart" not in long_description
    assert "&lt;br/&gt;" not in html and "<br/>" not in long_description
    diagram = re.search(r"<pre[^>]*>(.*?)</pre>", html[html.index("Architecture") :], re.S).group(1)
    assert "EventBridge bus" in diagram and "DynamoDB events" in diagram


def test_every_link_is_absolute_and_points_to_the_repo_or_the_docs(html):
    links = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert links
    headings = {f"#{anchor}" for anchor in re.findall(r'<h\d id="([^"]+)"', html)}  # PyPI's heading permalinks
    relative = [link for link in links if not link.startswith("https://") and link not in headings]
    assert not relative, f"dead on PyPI: {relative}"
    assert any(link.startswith(DOCS_URL) for link in links)
    assert f"{REPO_URL}/blob/main/API.md" in links


def test_contributor_only_text_stays_on_github(long_description, html):
    assert "make demo" not in long_description and "make test" not in long_description
    assert "## Development" not in long_description
    assert "&lt;!--" not in html and "<!--" not in html
