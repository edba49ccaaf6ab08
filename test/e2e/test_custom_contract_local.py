"""``shipment-pipeline local --count 300`` on ``examples/custom_contract``: events generated in its contract.

A module of its own: the emulators of one process share moto's state, so
this run must not overlap the long-lived pipeline of ``test_custom_contract.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipment_pipeline_constructs.app_runner import synthesize
from shipment_pipeline_constructs.cli import main
from shipment_pipeline_constructs.local import find_template
from shipment_pipeline_constructs.local.load import generate_load
from shipment_pipeline_constructs.local.template import load_pipeline
from shipment_pipeline_constructs.ops.contract import AssetContract

from .test_custom_contract import EXAMPLE, SEED

pytestmark = pytest.mark.slow  # synthesizes an example app and runs the emulator


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("custom-contract-local-cdk.out")
    synthesize(EXAMPLE, out, {"environmentSuffix": "dev"})
    return out


def test_the_local_command_generates_events_in_the_examples_contract_and_accounts_for_each(cdk_out, tmp_path, capsys):
    # GIVEN the load the command generates for the example's contract (its defaults: 10% duplicates, 5% invalid)
    template_path = find_template(app_dir=EXAMPLE, cdk_out=cdk_out, suffix="dev")
    contract = AssetContract.of_pipeline(load_pipeline(template_path)).contract
    load = generate_load(300, duplicate_rate=0.1, invalid_rate=0.05, seed=SEED, contract=contract)
    # WHEN `shipment-pipeline local --count 300` runs the example's assembly
    code = main(
        [
            "local",
            "--cdk-out",
            str(cdk_out),
            "--count",
            "300",
            "--seed",
            str(SEED),
            "--report",
            str(tmp_path / "r.json"),
        ]
    )
    out, _ = capsys.readouterr()
    report = json.loads((tmp_path / "r.json").read_text())
    # THEN every generated event is in the contract's shape and accounted for, exactly
    assert code == 0, out
    assert (report["sent"], report["matched"]) == (300, 300)
    assert (report["stored"], report["duplicates"], report["quarantined"], report["unaccounted"]) == (
        load.unique,
        load.duplicates,
        load.invalid,
        0,
    )
    assert f"stored {load.unique} new, {load.duplicates} duplicates stored once" in out
