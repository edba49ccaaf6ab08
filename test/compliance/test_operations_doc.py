"""The docs' alarm and compliance pages list every alarm and every acknowledgment as the code has them."""

from __future__ import annotations

import re

import pytest
from stacks import REPO

from shipment_pipeline_constructs import AlarmThresholds
from shipment_pipeline_constructs.compliance import EXEMPTIONS
from shipment_pipeline_constructs.observe import ALARM_DEFINITIONS

DOCS = [REPO / "docs" / "observability.md", REPO / "docs" / "compliance.md"]


@pytest.fixture(scope="module")
def doc() -> str:
    return re.sub(r"\s+", " ", "\n".join(page.read_text() for page in DOCS))


@pytest.mark.parametrize("exemption", EXEMPTIONS, ids=lambda e: e.key)
def test_every_acknowledgment_is_listed_with_its_reason(doc, exemption):
    assert exemption.reason in doc
    for rule in exemption.rule_ids + exemption.cfn_lint_rules + exemption.checkov_checks:
        assert f"`{rule}`" in doc


@pytest.mark.parametrize("definition", ALARM_DEFINITIONS, ids=lambda d: d.name)
def test_every_alarm_is_in_the_table_with_its_default_threshold(doc, definition):
    threshold = getattr(AlarmThresholds(), definition.threshold_field)
    row = re.search(rf"\| `{definition.name}` \| `{definition.threshold_field}` \|([^\n]*?)\| (?=`|\Z)", doc + " `")
    assert row, definition.name
    assert f">= {threshold.value:g} " in row.group(1)
