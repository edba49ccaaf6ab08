"""The function's code asset: the bundled handler, and with a custom contract or a hook, what carries them.

With the default contract and no record hook the asset is the handler's
folder itself (:func:`handler_source_dir`), so its hash never changes for
users who do not use a contract. Otherwise :func:`staged_asset_dir` writes
a folder holding a copy of the handler plus, at its root:

* ``shipment_contract.json``: the contract (:meth:`EventContract.to_document`);
* ``shipment_contract_validator.py``: the validator generated from ``detail_schema``
  (:func:`~shipment_pipeline_constructs.schema_codegen.generate_validator_module`);
* the hook's module (file or package) under its own top-level name.

The folder's contents depend on nothing but those inputs (no timestamps, sorted
JSON, caches left out), and its name is the hash of its contents, so two
synths of one app give one asset hash and reuse one folder.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from .contract import CONTRACT_FILE, VALIDATOR_MODULE, EventContract, RecordHook

# Files that must never change the asset hash or ship to Lambda.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/*.md"]

#: Where staged assets are kept between synths (below the system's temporary folder).
STAGING_FOLDER = "shipment-pipeline-assets"


def handler_source_dir() -> Path:
    """Directory that becomes the function's code asset.

    A wheel carries it as ``shipment_pipeline_constructs/lambda`` (hatchling
    force-include); an editable install or a checkout uses the repository's
    top-level ``lambda/``.
    """
    packaged = Path(str(resources.files(__package__) / "lambda"))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "lambda"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"bundled handler not found: looked in {packaged} and {checkout}. "
        "Reinstall shipment-pipeline-constructs from a wheel, or run from a checkout."
    )


def function_code_dir(contract: EventContract | None = None, record_hook: RecordHook | None = None) -> Path:
    """The folder to give ``Code.from_asset``: the handler's own, or a staged one when there is a contract or hook."""
    contract = contract or EventContract()
    if contract.is_default and record_hook is None:
        return handler_source_dir()
    return staged_asset_dir(asset_files(contract, record_hook))


def asset_files(contract: EventContract, record_hook: RecordHook | None = None) -> dict[str, bytes]:
    """Every file of the asset, by its relative POSIX path: the handler's, the contract's, the hook's."""
    files = _tree(handler_source_dir())
    files[CONTRACT_FILE] = (
        json.dumps(contract.to_document(record_hook=record_hook), indent=2, sort_keys=True) + "\n"
    ).encode()
    schema = contract.schema_document()
    if schema is not None:
        from .schema_codegen import generate_validator_module

        files[f"{VALIDATOR_MODULE}.py"] = generate_validator_module(schema).encode()
    if record_hook is not None:
        source = Path(record_hook.path)
        if source.is_dir():
            files.update({f"{source.name}/{name}": data for name, data in _tree(source).items()})
        else:
            files[f"{record_hook.top_level}.py"] = source.read_bytes()
    return files


def staged_asset_dir(files: dict[str, bytes], root: Path | None = None) -> Path:
    """A folder holding exactly ``files``, named after their hash (reused when it already exists).

    ``root`` defaults to a folder below the system's temporary folder. The
    folder is written under a temporary name and renamed, so a concurrent
    synth never sees a half-written asset.
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    base = root or Path(tempfile.gettempdir()) / STAGING_FOLDER
    target = base / digest.hexdigest()[:32]
    if target.is_dir():
        return target
    base.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".staging-", dir=base))
    for name, data in files.items():
        path = scratch / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    try:
        os.replace(scratch, target)
    except OSError:  # another synth staged the same folder first
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _tree(folder: Path) -> dict[str, bytes]:
    """The files below ``folder`` that ship, by relative POSIX path (what :data:`ASSET_EXCLUDES` leaves)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not _excluded(path.relative_to(folder).as_posix())
    }


def _excluded(relative: str) -> bool:
    parts = relative.split("/")
    for pattern in ASSET_EXCLUDES:
        name = pattern.removeprefix("**/")
        if any(fnmatch.fnmatch(part, name) for part in parts):
            return True
    return False
