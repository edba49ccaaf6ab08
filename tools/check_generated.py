"""Fail when a committed generated file differs from what its source gives; never writes in the repo.

Generated files: the ones projen writes from ``.projenrc.py`` (``make projen``) and ``API.md``, written
from the docstrings (``make docs``). projen runs on a copy of ``.projenrc.py`` in a temporary folder and
API.md is rendered in memory; each result is compared with the file in the working tree, so a stale
file is reported (with the command that regenerates it) and left as it was.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import api_docs  # noqa: E402

# Not needed to run .projenrc.py, and large: left out of the copy it runs in.
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", ".tools", "node_modules", "cdk.out", "site", "dist", "reports")


def projen_output(workdir: Path) -> dict[str, str]:
    """Every file projen generates from ``.projenrc.py``, run on a copy of the repo in ``workdir``; by path."""
    workdir = workdir / "repo"
    shutil.copytree(REPO, workdir, ignore=NOT_COPIED)  # .projenrc.py may read files next to it
    env = dict(os.environ, PROJEN_DISABLE_POST="true")
    result = subprocess.run(
        [sys.executable, ".projenrc.py"], cwd=workdir, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f".projenrc.py failed:\n{result.stderr}")
    listed = json.loads((workdir / ".projen/files.json").read_text())["files"]
    return {name: (workdir / name).read_text() for name in listed}


def stale_files(expected: dict[str, str]) -> list[str]:
    """The names whose committed text differs from the expected text (missing files included)."""
    stale = []
    for name, text in sorted(expected.items()):
        committed = REPO / name
        if not committed.exists() or committed.read_text() != text:
            stale.append(name)
    return stale


def main() -> int:
    """Compare every generated file with its source's output; exit 1 and name the stale ones."""
    with tempfile.TemporaryDirectory(prefix="check-generated-") as tmp:
        try:
            expected = projen_output(Path(tmp))
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
    expected["API.md"] = api_docs.render()
    stale = stale_files(expected)
    if stale:
        print("stale generated files (regenerate with `make projen` / `make docs`, review, commit):", file=sys.stderr)
        for name in stale:
            committed = (REPO / name).read_text().splitlines() if (REPO / name).exists() else []
            diff = list(difflib.unified_diff(committed, expected[name].splitlines(), name, "generated", lineterm=""))
            print(f"  {name}", file=sys.stderr)
            print("\n".join(f"    {line}" for line in diff[:20]), file=sys.stderr)
        return 1
    print(f"generated files are current ({len(expected)} checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
