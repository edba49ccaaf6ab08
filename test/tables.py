"""The pipeline's tables for tests: the benchmark's definition (``bench/pipeline_tables.py``), so both create one shape."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH_DIR) not in sys.path:
    sys.path.append(str(BENCH_DIR))

from pipeline_tables import create_errors_table, create_events_table  # noqa: E402

__all__ = ["create_errors_table", "create_events_table"]
