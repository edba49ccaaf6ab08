"""The tracking team's event contract and record hook: what its pipeline accepts and how it stores it.

Kept apart from ``app.py`` (and free of aws-cdk-lib) so that ``test_hook.py``
tests the hook with exactly the contract the app deploys.
"""

import json
from pathlib import Path

from shipment_pipeline_constructs import EventContract, RecordHook

HERE = Path(__file__).resolve().parent

#: The statuses the tracking team's producers send; any other is quarantined.
STATUSES = ["LABEL_CREATED", "PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION"]

CONTRACT = EventContract(
    id_field="trackingNumber",
    timestamp_field="occurredAt",
    type_field="status",
    event_types=STATUSES,
    detail_schema=json.loads((HERE / "schemas" / "shipment-detail.schema.json").read_text()),
    publish_schema=True,
)

#: ``hooks/enrich.py``, shipped in the function's code as module ``enrich``.
HOOK = RecordHook.from_file(HERE / "hooks" / "enrich.py", "enrich:enrich")
