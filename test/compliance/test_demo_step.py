"""The demo's compliance step prints the example's result in a few lines."""

from __future__ import annotations

import argparse

import pytest
from stacks import EXAMPLES

from shipment_pipeline_constructs.cli import demo
from shipment_pipeline_constructs.cli.compliance import compliance_step


@pytest.mark.slow  # synthesizes an example app
def test_compliance_step_reports_zero_findings_per_pack(capsys):
    # No templates in the state: the cfn-lint half is covered by test_cfn_lint.py.
    compliance_step(argparse.Namespace(app=EXAMPLES / "basic", suffix="demo"), {})
    out = capsys.readouterr().out
    assert "cdk-nag:  AwsSolutions 0, Serverless 0, NIST.800.53.R5 0 unacknowledged finding(s)" in out
    assert len(out.strip().splitlines()) <= 4


def test_compliance_step_is_a_demo_step():
    assert compliance_step in demo.STEPS
