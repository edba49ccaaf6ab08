"""How an app folder is run: the command, the context and the environment ``cdk synth`` would give it.

The apps here are small Python scripts that record what they were given and
write a minimal cloud assembly, so no test loads aws-cdk-lib.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shipment_pipeline_constructs.app_runner import (
    CLI_CONTEXT,
    SynthError,
    app_command,
    bundled_example,
    stack_templates,
    synthesize,
)

from .conftest import REPO

# Records its argv, cwd and environment, then writes a one-stack assembly where CDK_OUTDIR says.
RECORDING_APP = """
import json, os, sys
from pathlib import Path
out = Path(os.environ["CDK_OUTDIR"])
(out / "seen.json").write_text(json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ)}))
(out / "S.template.json").write_text("{}")
(out / "manifest.json").write_text(json.dumps({"artifacts": {
    "S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}},
    "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
}}))
"""


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "app.py").write_text(RECORDING_APP)
    return folder


def seen(outdir: Path) -> dict:
    return json.loads((outdir / "seen.json").read_text())


def test_without_cdk_json_app_py_runs_with_this_interpreter(app_dir: Path, tmp_path: Path) -> None:
    templates = synthesize(app_dir, tmp_path / "out", {"environmentSuffix": "x"})

    record = seen(tmp_path / "out")
    assert templates == [tmp_path / "out" / "S.template.json"]
    assert Path(record["cwd"]) == app_dir.resolve()
    assert record["env"]["CDK_OUTDIR"] == str((tmp_path / "out").resolve())
    assert app_command(app_dir) == (f"{sys.executable} app.py", False)


def test_the_app_command_of_cdk_json_runs_through_a_shell_with_this_environment_first_on_path(
    app_dir: Path, tmp_path: Path
) -> None:
    (app_dir / "cdk.json").write_text(json.dumps({"app": "python3 app.py --from-cdk-json"}))

    synthesize(app_dir, tmp_path / "out")

    record = seen(tmp_path / "out")
    assert record["argv"] == ["app.py", "--from-cdk-json"]
    assert record["env"]["PATH"].split(":")[0] == str(Path(sys.executable).parent)


def test_context_is_cdk_context_json_then_cdk_json_then_the_command_line_then_path_metadata(
    app_dir: Path, tmp_path: Path
) -> None:
    (app_dir / "cdk.context.json").write_text(json.dumps({"saved": 1, "shared": "saved", "lookup": "vpc-1"}))
    (app_dir / "cdk.json").write_text(
        json.dumps({"app": "python3 app.py", "context": {"shared": "project", "@aws-cdk/core:flag": True}})
    )

    synthesize(app_dir, tmp_path / "out", {"environmentSuffix": "prod", "aws:cdk:enable-path-metadata": False})

    context = json.loads(seen(tmp_path / "out")["env"]["CDK_CONTEXT_JSON"])
    assert context == {
        "saved": 1,
        "lookup": "vpc-1",
        "shared": "project",
        "@aws-cdk/core:flag": True,
        "environmentSuffix": "prod",
        **CLI_CONTEXT,
    }
    assert context["aws:cdk:enable-path-metadata"] is True


def test_a_stale_manifest_never_passes_for_this_runs_output(app_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    synthesize(app_dir, out)
    (app_dir / "app.py").write_text("pass\n")
    with pytest.raises(SynthError, match=r"wrote no cloud assembly .*does it end with app.synth\(\)"):
        synthesize(app_dir, out)


def test_a_failing_app_gives_one_line_and_keeps_the_whole_output(app_dir: Path, tmp_path: Path) -> None:
    (app_dir / "app.py").write_text("import sys\nprint('building', file=sys.stderr)\nraise KeyError('vpcId')\n")
    with pytest.raises(SynthError) as caught:
        synthesize(app_dir, tmp_path / "out")
    assert str(caught.value).endswith("exited with 1): KeyError: 'vpcId'")
    assert "\n" not in str(caught.value)
    assert "Traceback" in caught.value.output and "building" in caught.value.output


@pytest.mark.parametrize(
    ("cdk_json", "message"),
    [
        ("{not json", "cdk.json is not valid JSON"),
        ('["python3 app.py"]', 'must hold a JSON object with an "app" command'),
    ],
)
def test_a_broken_cdk_json_is_named(tmp_path: Path, cdk_json: str, message: str) -> None:
    (tmp_path / "cdk.json").write_text(cdk_json)
    with pytest.raises(SynthError, match=message):
        app_command(tmp_path)


def test_an_assembly_lists_only_its_stack_templates(app_dir: Path, tmp_path: Path) -> None:
    synthesize(app_dir, tmp_path / "out")
    assert stack_templates(tmp_path / "out") == [tmp_path / "out" / "S.template.json"]
    with pytest.raises(SynthError, match="holds no cloud assembly"):
        stack_templates(tmp_path)


def test_the_bundled_example_is_the_repositorys_basic_example_in_a_checkout() -> None:
    # In a wheel it is shipment_pipeline_constructs/examples/basic (hatch force-include of examples/basic).
    assert bundled_example() == REPO / "examples" / "basic"
    assert (bundled_example() / "cdk.json").is_file() and (bundled_example() / "sample-event.json").is_file()
