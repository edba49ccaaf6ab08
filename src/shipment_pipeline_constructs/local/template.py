"""Find the pipeline's resources in a synthesized template, by construct path.

Construct IDs are the construct's public contract, so the runner looks
resources up by the ``aws:cdk:path`` metadata the synthesizer writes (the
``synth`` command always enables it) and reads their real properties.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Mapping, Optional

from ..ops.resources import CONSTRUCT_PATHS
from .parameters import apply_parameters, unresolved_parameters

__all__ = ["PipelineTemplate", "TemplateError", "load_pipeline"]

#: Role -> the end of the construct path of the resource that plays it (the
#: operations commands' table, plus the event source mapping the runner replaces).
PATHS = {**CONSTRUCT_PATHS, "event_source": "/QueueEventSource/Resource"}
#: Roles a runnable pipeline cannot do without; the others (an existing bus
#: passed in, no archive, no target DLQ) are optional.
REQUIRED = ("rule", "queue", "dead_letter_queue", "events_table", "errors_table", "function", "event_source")


class TemplateError(ValueError):
    """The template does not hold a runnable pipeline; the message says what is missing."""


@dataclasses.dataclass(frozen=True)
class PipelineTemplate:
    """One pipeline's resources: ``logical_ids`` maps each role in :data:`PATHS` to its logical ID."""

    path: Path
    resources: dict[str, dict[str, Any]]
    logical_ids: dict[str, str]

    def logical_id(self, role: str) -> Optional[str]:
        return self.logical_ids.get(role)

    def properties(self, role: str) -> dict[str, Any]:
        """The ``Properties`` of the resource playing ``role`` (empty when the pipeline has none)."""
        logical_id = self.logical_ids.get(role)
        return self.resources[logical_id].get("Properties", {}) if logical_id else {}

    def code_dir(self) -> Path:
        """The function's code folder in the cloud assembly: exactly what a deploy uploads."""
        function = self.resources[self.logical_ids["function"]]
        asset_path = function.get("Metadata", {}).get("aws:asset:path")
        if asset_path:
            return _existing(self.path.parent / asset_path)
        s3_key = function.get("Properties", {}).get("Code", {}).get("S3Key")
        for manifest in sorted(self.path.parent.glob("*.assets.json")):
            for asset in json.loads(manifest.read_text()).get("files", {}).values():
                keys = {destination.get("objectKey") for destination in asset.get("destinations", {}).values()}
                if s3_key in keys and asset.get("source", {}).get("packaging") == "zip":
                    return _existing(self.path.parent / asset["source"]["path"])
        raise TemplateError(
            f"the function's code asset ({s3_key}) is not in {self.path.parent}: synthesize the app again "
            "(the local runner runs the asset folder of the cloud assembly)"
        )


def load_pipeline(template_path: Path, parameters: Optional[Mapping[str, str]] = None) -> PipelineTemplate:
    """Read ``template_path`` and find the first pipeline in it.

    The template's CloudFormation parameters take the values in
    ``parameters``, else their defaults (see :mod:`.parameters`). Raises
    :class:`TemplateError` naming every missing resource, or a parameter the
    pipeline's resources need and nothing gives.
    """
    template = apply_parameters(json.loads(Path(template_path).read_text()), parameters)
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    found: dict[str, str] = {}
    for logical_id, resource in resources.items():
        construct_path = resource.get("Metadata", {}).get("aws:cdk:path", "")
        for role, suffix in PATHS.items():
            if construct_path.endswith(suffix) and role not in found:
                found[role] = logical_id
    missing = [f"{role} (construct path ending {PATHS[role]})" for role in REQUIRED if role not in found]
    if missing:
        hint = (
            ""
            if any("aws:cdk:path" in r.get("Metadata", {}) for r in resources.values())
            else (" The template has no aws:cdk:path metadata: synthesize with `shipment-pipeline synth`.")
        )
        raise TemplateError(f"{template_path} holds no complete pipeline; missing: {', '.join(missing)}.{hint}")
    needed = unresolved_parameters([resources[logical_id] for logical_id in found.values()], template)
    if needed:
        raise TemplateError(
            "the pipeline's names depend on parameter(s) with no Default: pass "
            + " ".join(f"--parameters {name}=VALUE" for name in sorted(needed))
        )
    return PipelineTemplate(path=Path(template_path), resources=resources, logical_ids=found)


def _existing(path: Path) -> Path:
    if not path.is_dir():
        raise TemplateError(f"the function's code folder {path} does not exist: synthesize the app again")
    return path
