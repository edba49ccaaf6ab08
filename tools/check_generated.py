"""Fail when a generated file does not match its source.

Regenerates the projen-managed files (from .projenrc.py) and API.md (from the
docstrings) in place and compares them with what was there before. A stale
file is left regenerated, so the fix is to review and commit it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def generated_files() -> list[Path]:
    """Every file projen manages, plus API.md."""
    listed = json.loads((REPO / ".projen/files.json").read_text())["files"]
    return [REPO / name for name in listed] + [REPO / "API.md"]


def fingerprint(paths: list[Path]) -> dict[str, str]:
    """Content hash of each path (``missing`` for absent files)."""
    return {
        str(path.relative_to(REPO)): hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"
        for path in paths
    }


def main() -> int:
    """Regenerate, compare, and report stale files."""
    before = fingerprint(generated_files())
    env = dict(os.environ, PROJEN_DISABLE_POST="true")
    for command in ([sys.executable, ".projenrc.py"], [sys.executable, "tools/api_docs.py"]):
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(f"{' '.join(command)} failed:\n{result.stderr}", file=sys.stderr)
            return 1
    after = fingerprint(generated_files())
    stale = sorted(name for name in after if before.get(name) != after[name])
    if stale:
        print("stale generated files (now regenerated; review and commit them):", file=sys.stderr)
        for name in stale:
            print(f"  {name}", file=sys.stderr)
        return 1
    print(f"generated files are current ({len(after)} checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
