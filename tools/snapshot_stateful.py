"""Rewrite test/stateful_snapshot.json from what the code synthesizes now.

The snapshot pins the logical IDs and replacement-causing properties of the pipeline's stateful
resources (tables, queues, bus, archive, log group, topic, keys); ``test/test_logical_ids.py`` fails
when a change would replace one on upgrade. Run this only for a deliberate breaking change, and say
so in the changelog: every user upgrading would lose (or orphan) the resources whose entries change.

    python tools/snapshot_stateful.py          # rewrite the snapshot
    python tools/snapshot_stateful.py --check  # exit 1 and list the differences, write nothing
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "test"))
# The Node.js 22 of node_modules/ (as `make` sets it), so jsii does not run an end-of-life Node.
if (REPO / "node_modules/.bin/node").exists():
    os.environ.setdefault("JSII_NODE", str(REPO / "node_modules/.bin/node"))

import stateful  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the snapshot; write nothing")
    arguments = parser.parse_args()
    now = stateful.current()
    if arguments.check:
        before = stateful.load()
        problems = [
            problem
            for configuration, resources in before.items()
            for problem in stateful.replacements(resources, now.get(configuration, {}), configuration)
        ]
        print("\n".join(problems) or "no stateful resource would be replaced")
        return 1 if problems else 0
    stateful.write(now)
    count = sum(len(resources) for resources in now.values())
    print(f"wrote {stateful.SNAPSHOT.name}: {count} stateful resources in {len(now)} configurations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
