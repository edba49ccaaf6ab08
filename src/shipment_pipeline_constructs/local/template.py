"""The pipeline the local runner runs: the first complete one in a synthesized template, and its code folder.

Resources are found by :mod:`..template_reader` (by construct path, which
the ``synth`` command always writes); this module adds what a local run
needs on top: every role the runner cannot do without, and the function's
code folder in the cloud assembly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from .. import shape
from ..template_reader import PipelineTemplate, StackTemplate, TemplateError
from .parameters import apply_parameters, unresolved_parameters

__all__ = ["PipelineTemplate", "TemplateError", "code_dir", "load_pipeline"]

#: Roles a runnable pipeline cannot do without; the others (an existing bus
#: passed in, no archive, no target DLQ) are optional.
REQUIRED = ("rule", "queue", "dead_letter_queue", "events_table", "errors_table", "function", "event_source")


def load_pipeline(template_path: Path, parameters: Mapping[str, str] | None = None) -> PipelineTemplate:
    """Read ``template_path`` and return the first pipeline in it that has every required role.

    The template's CloudFormation parameters take the values in
    ``parameters``, else their defaults (see :mod:`.parameters`). Raises
    :class:`TemplateError` naming every missing resource, or a parameter the
    pipeline's resources need and nothing gives.
    """
    template = apply_parameters(json.loads(Path(template_path).read_text()), parameters)
    stack = StackTemplate.parse(template, path=Path(template_path))
    candidates = stack.candidates()
    for pipeline in candidates:
        if not pipeline.missing(REQUIRED):
            needed = unresolved_parameters([pipeline.resource(role) for role in pipeline.logical_ids], template)
            if needed:
                raise TemplateError(
                    "the pipeline's names depend on parameter(s) with no Default: pass "
                    + " ".join(f"--parameters {name}=VALUE" for name in sorted(needed))
                )
            return pipeline
    found = {role for pipeline in candidates for role in pipeline.logical_ids}
    missing = [
        f"{role} (construct path ending {shape.PARTS[role].path_suffix})" for role in REQUIRED if role not in found
    ]
    hint = (
        ""
        if stack.has_path_metadata
        else " The template has no aws:cdk:path metadata: synthesize with `shipment-pipeline synth`."
    )
    raise TemplateError(f"{template_path} holds no complete pipeline; missing: {', '.join(missing)}.{hint}")


def code_dir(pipeline: PipelineTemplate) -> Path:
    """The function's code folder in the cloud assembly: exactly what a deploy uploads."""
    if pipeline.path is None:
        raise TemplateError("the pipeline was not read from a cloud assembly: its function code cannot be found")
    assembly = pipeline.path.parent
    function = pipeline.resource("function")
    asset_path = function.get("Metadata", {}).get("aws:asset:path")
    if asset_path:
        return _existing(assembly / asset_path)
    s3_key = function.get("Properties", {}).get("Code", {}).get("S3Key")
    for manifest in sorted(assembly.glob("*.assets.json")):
        for asset in json.loads(manifest.read_text()).get("files", {}).values():
            keys = {destination.get("objectKey") for destination in asset.get("destinations", {}).values()}
            if s3_key in keys and asset.get("source", {}).get("packaging") == "zip":
                return _existing(assembly / asset["source"]["path"])
    raise TemplateError(
        f"the function's code asset ({s3_key}) is not in {assembly}: synthesize the app again "
        "(the local runner runs the asset folder of the cloud assembly)"
    )


def _existing(path: Path) -> Path:
    if not path.is_dir():
        raise TemplateError(f"the function's code folder {path} does not exist: synthesize the app again")
    return path
