"""Shipment event processor: the Lambda function bundled with ``shipment-pipeline-constructs``.

SQS delivers EventBridge envelopes; the function validates each one, stores
it idempotently in DynamoDB, quarantines what can never be stored, and asks
SQS to retry only what failed for a transient reason. Entry point:
``shipment_processor.app.handler``. Modules, one job each:

* :mod:`.config`: the environment the construct sets, read once;
* :mod:`.contract`: the event contract (field paths, types, schema, hook), read once;
* :mod:`.events`: parsing and validation of one body under the contract (pure);
* :mod:`.schema_errors`: a schema violation as ``$.path: rule`` (pure);
* :mod:`.hook`: the record hook: its input, its rules, ``RejectEvent``;
* :mod:`.timestamps`: RFC 3339 in, one canonical UTC timestamp out (pure);
* :mod:`.dynamodb_limits`: DynamoDB's limits and item size (pure);
* :mod:`.fingerprint`: the content fingerprint, duplicate or conflict (pure);
* :mod:`.items`: DynamoDB items for events and error records (pure);
* :mod:`.store`: DynamoDB and SQS calls, failure classification (I/O);
* :mod:`.metrics`: the per-batch EMF document (pure);
* :mod:`.processor`: one batch, one outcome per record;
* :mod:`.app`: the entry point that composes them.

Only the standard library and the botocore that the Lambda runtime ships are
used, so the asset needs no bundling step. This file imports nothing at
import time, so that importing a pure module (in tests, or in the construct)
creates no client; ``RejectEvent`` and ``HookEvent``, which a record hook
imports as ``from shipment_processor import RejectEvent``, are loaded on
first use.
"""

from typing import Any

__all__ = ["HookEvent", "RejectEvent"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import hook

        return getattr(hook, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
