"""Run a CDK app folder the way the CDK CLI does, and read the cloud assembly it writes.

``cdk synth`` runs the ``app`` command of the folder's ``cdk.json`` through a
shell, in that folder, with the output folder in ``CDK_OUTDIR`` and the whole
context (``cdk.context.json``, then the ``context`` of ``cdk.json``, then
``-c key=value``) as JSON in ``CDK_CONTEXT_JSON``; the app's ``App()`` reads
both. :func:`synthesize` does the same, so any CDK app works, in Python or
not, with no function of ours in it. Two differences, both on purpose:

* with no ``cdk.json``, ``app.py`` runs with the interpreter running this
  code, and the folder of that interpreter comes first on the app's ``PATH``,
  so ``python3 app.py`` (what ``cdk init`` writes) runs in the environment
  this library is installed in even when it is not activated;
* path and asset metadata are always on (the CLI's defaults too): the local
  runner and the summaries find resources by construct path and the
  function's code by its asset path. Version reporting is left off.

Only Python and Node.js are needed, not the CDK CLI.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from . import shape
from .jsii_env import QUIET_JSII_ENV
from .template_reader import StackTemplate, TemplateError

__all__ = [
    "APP_FILE",
    "CDK_JSON",
    "SynthError",
    "app_command",
    "bundled_example",
    "find_template",
    "stack_artifacts",
    "stack_templates",
    "synthesize",
]

APP_FILE = "app.py"
CDK_JSON = "cdk.json"
CDK_CONTEXT_JSON = "cdk.context.json"
MANIFEST = "manifest.json"

#: What ``cdk synth`` puts in the context by default (aws-cdk-cli's ``contextFromSettings``) that this
#: library relies on: construct paths and asset paths in the template, and every stack's assets bundled.
CLI_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:bundling-stacks": ["**"],
}

#: The example app the package ships (``examples/basic`` of the repository).
BUNDLED_EXAMPLE = "basic"


class SynthError(RuntimeError):
    """The app could not be synthesized, or a folder holds no app or no assembly.

    The message is one line naming the folder and what went wrong; ``output``
    holds the app's whole error output when it ran and failed.
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def app_command(app_dir: Path) -> tuple[str, bool]:
    """The command ``cdk synth`` would run in ``app_dir``, and whether it runs through a shell.

    The ``app`` of ``cdk.json`` (through a shell, as the CDK CLI runs it), else
    ``app.py`` with this interpreter. Raises :class:`SynthError` when the
    folder is missing or holds neither.
    """
    app_dir = Path(app_dir)
    if not app_dir.is_dir():
        raise SynthError(f"{app_dir} is not a folder: pass --app the folder of a CDK app (the one holding cdk.json)")
    cdk_json = _read_cdk_json(app_dir)
    command = cdk_json.get("app")
    if isinstance(command, str) and command.strip():
        return command, True
    if (app_dir / APP_FILE).is_file():
        return shlex.join([sys.executable, APP_FILE]), False
    raise SynthError(
        f'no CDK app in {app_dir.resolve()}: it has no cdk.json with an "app" command and no {APP_FILE} '
        "(pass --app the folder that `cdk init app --language python` created)"
    )


def synthesize(app_dir: Path, outdir: Path, context: Mapping[str, Any] | None = None) -> list[Path]:
    """Run the app of ``app_dir`` into ``outdir`` as ``cdk synth -c KEY=VALUE ...`` would; return its stack templates.

    ``context`` holds the ``-c`` values; they win over ``cdk.json`` and
    ``cdk.context.json``. Raises :class:`SynthError` with one line naming
    the failure (the app's last error line when it failed).
    """
    app_dir, outdir = Path(app_dir), Path(outdir)
    command, shell = app_command(app_dir)
    outdir.mkdir(parents=True, exist_ok=True)
    # A manifest left by an earlier run must not pass for this run's output.
    (outdir / MANIFEST).unlink(missing_ok=True)
    result = subprocess.run(
        command if shell else shlex.split(command),
        shell=shell,
        cwd=app_dir,
        # The app runs in its own folder: it needs the output folder as an absolute path.
        env=_app_environment(outdir.resolve(), _context(app_dir, context)),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SynthError(
            f"the app in {app_dir} failed (`{command}` exited with {result.returncode}): "
            f"{_last_line(result.stderr or result.stdout)}",
            output=result.stderr + result.stdout,
        )
    if result.stderr.strip():
        # The app's own warnings (deprecations and the like), as `cdk synth` shows them.
        sys.stderr.write(result.stderr)
    if not (outdir / MANIFEST).is_file():
        raise SynthError(
            f"the app in {app_dir} ran but wrote no cloud assembly to {outdir}: does it end with app.synth()?"
        )
    return stack_templates(outdir)


def stack_artifacts(outdir: Path) -> dict[str, dict[str, Any]]:
    """The stack artifacts of a cloud assembly (name -> the manifest's entry), in manifest order.

    Raises :class:`SynthError` when ``outdir`` holds no cloud assembly.
    """
    manifest_path = Path(outdir) / MANIFEST
    if not manifest_path.is_file():
        raise SynthError(
            f"{outdir} holds no cloud assembly (no {MANIFEST}): synthesize into it first "
            "(`cdk synth -o DIR` or `shipment-pipeline synth --out DIR`)"
        )
    manifest = json.loads(manifest_path.read_text())
    return {
        name: artifact
        for name, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == "aws:cloudformation:stack"
    }


def stack_templates(outdir: Path) -> list[Path]:
    """The stack templates a cloud assembly holds, as listed in its manifest."""
    return [Path(outdir) / artifact["properties"]["templateFile"] for artifact in stack_artifacts(outdir).values()]


def find_template(*, app_dir: Path, cdk_out: Path | None, suffix: str) -> Path:
    """The first stack template holding a pipeline.

    With ``cdk_out``, the assembly already there is read and never
    synthesized again or written to (:class:`SynthError` when it holds no
    assembly). Without it, ``app_dir`` is synthesized with context
    ``environmentSuffix=suffix`` into a new temporary folder, kept so that
    the template and code paths a report names stay valid.
    """
    if cdk_out is not None:
        templates = stack_templates(cdk_out)
    else:
        outdir = Path(tempfile.mkdtemp(prefix="shipment-pipeline-cdk.out-"))
        templates = synthesize(app_dir, outdir, {"environmentSuffix": suffix})
    for template in templates:
        if StackTemplate.load(template).pipelines():
            return template
    # The template reader, not local.template: local imports this module, and the reverse would be a cycle.
    queue_suffix = shape.PARTS["queue"].path_suffix
    checked = ", ".join(str(template) for template in templates) or "no stack templates"
    raise TemplateError(
        f"no stack holds a ShipmentEventPipeline (no resource has a construct path ending in {queue_suffix}): {checked}"
    )


def bundled_example() -> Path:
    """The example app that ships inside the package (``examples/basic`` of the repository).

    A wheel carries it as ``shipment_pipeline_constructs/examples/basic``; an
    editable install or a checkout uses the repository's folder.
    """
    packaged = Path(str(resources.files(__package__) / "examples" / BUNDLED_EXAMPLE))
    if (packaged / APP_FILE).is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "examples" / BUNDLED_EXAMPLE
    if (checkout / APP_FILE).is_file():
        return checkout
    raise SynthError(
        f"the bundled example app is missing (looked in {packaged} and {checkout}): "
        "pass --app the folder of your CDK app"
    )


def _read_cdk_json(app_dir: Path) -> dict[str, Any]:
    path = app_dir / CDK_JSON
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SynthError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise SynthError(f'{path} must hold a JSON object with an "app" command')
    return value


def _context(app_dir: Path, context: Mapping[str, Any] | None) -> dict[str, Any]:
    saved: dict[str, Any] = {}
    saved_path = app_dir / CDK_CONTEXT_JSON
    if saved_path.is_file():
        try:
            saved = json.loads(saved_path.read_text())
        except json.JSONDecodeError as error:
            raise SynthError(f"{saved_path} is not valid JSON: {error}") from None
    project = _read_cdk_json(app_dir).get("context", {})
    return {**saved, **project, **dict(context or {}), **CLI_CONTEXT}


def _app_environment(outdir: Path, context: Mapping[str, Any]) -> dict[str, str]:
    env = {**QUIET_JSII_ENV, **os.environ}
    env["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), env.get("PATH")]))
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps(context)
    return env


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no error output"
