"""Each alarm's default runbook link lands on a section of the docs site, and the docs list each default severity."""

from __future__ import annotations

import re

import pytest
from stacks import REPO

from shipment_pipeline_constructs import defaults, shape

ALARMS_WITH_A_RUNBOOK = (*shape.ALARM_IDS, shape.PIPELINE_UNHEALTHY)


def test_the_runbook_base_url_is_the_published_docs_sites_operate_page():
    site_url = re.search(r"^site_url: (\S+)$", (REPO / "mkdocs.yml").read_text(), re.M)
    assert site_url and site_url.group(1) == defaults.DOCS_URL
    assert (REPO / "docs" / "operate.md").is_file() and defaults.RUNBOOK_URL == f"{defaults.DOCS_URL}operate/"


@pytest.mark.parametrize("alarm_id", ALARMS_WITH_A_RUNBOOK)
def test_every_alarm_has_its_runbook_section_under_its_anchor(alarm_id):
    # mkdocs' attr_list gives the heading the id the alarm links to: operate/#queue-backlog
    operate = (REPO / "docs" / "operate.md").read_text()
    headings = re.findall(rf"^### `{alarm_id}`: .+ \{{#([\w-]+)\}}$", operate, re.M)
    assert headings == [shape.runbook_anchor(alarm_id)]


@pytest.mark.parametrize("alarm_id", shape.ALARM_IDS)
def test_the_severity_table_gives_each_default_with_its_reason(alarm_id):
    default = shape.ALARM_DEFAULTS[alarm_id]
    observability = (REPO / "docs" / "observability.md").read_text()
    reason = default.severity_reason[0].upper() + default.severity_reason[1:]
    assert f"| `{alarm_id}` | {default.severity} | {reason}. |" in observability


def test_the_pages_that_count_the_alarms_count_the_catalogue():
    # "twelve alarms" in the README and on the docs pages: the catalogue's size in words, wherever it is quoted.
    words = {9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen"}
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    quoted = {
        (page.name, match)
        for page in pages
        for match in re.findall(
            rf"\b({'|'.join(words.values())})\b(?=[\s\]]+(?:metric\s+)?(?:alarms|names))", page.read_text()
        )
    }
    assert quoted and {word for _, word in quoted} == {words[len(shape.ALARM_IDS)]}, sorted(quoted)
    cost = (REPO / "docs" / "cost.md").read_text()
    assert f"standard alarms {len(shape.ALARM_IDS)} alarms" in re.sub(r"\s+", " ", cost)
