"""A failed step fails the command: one ``error:`` line naming what failed, no traceback, a non-zero exit.

These apps fail before aws-cdk-lib loads, so the tests are fast; they still
run the installed command in a folder outside the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .user_apps import shipment_pipeline

RAISING_APP = 'raise ValueError("the stack cannot be built: boom")\n'


@pytest.fixture
def raising_app(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(RAISING_APP)
    return tmp_path


def assert_one_error_line(run, *fragments: str) -> None:
    assert run.code == 2, (run.stdout, run.stderr)
    assert len(run.error_lines) == 1, run.stderr
    (line,) = run.error_lines
    assert line.startswith("error: ")
    for fragment in fragments:
        assert fragment in line
    assert "Traceback" not in run.stderr + run.stdout


@pytest.mark.parametrize(
    "command", [("synth", "--app", "."), ("local", "--app", ".", "--count", "5"), ("demo", "--app", ".")]
)
def test_an_app_that_raises_gives_its_last_error_line(raising_app: Path, command: tuple[str, ...]) -> None:
    run = shipment_pipeline(*command, cwd=raising_app)
    assert_one_error_line(run, "the app in . failed", "exited with 1", "ValueError: the stack cannot be built: boom")


def test_demo_stops_at_the_failed_step_and_never_says_done(raising_app: Path) -> None:
    run = shipment_pipeline("demo", "--app", ".", cwd=raising_app)
    assert run.code == 2
    assert "Done" not in run.stdout
    assert "running the pipeline locally" not in run.stdout


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    run = shipment_pipeline("synth", "--app", "no-such-folder", cwd=tmp_path)
    assert_one_error_line(run, "no-such-folder is not a folder")


def test_a_folder_without_cdk_json_or_app_py_says_what_to_pass(tmp_path: Path) -> None:
    run = shipment_pipeline("synth", cwd=tmp_path)
    assert_one_error_line(run, "no CDK app in", "no cdk.json", "no app.py", "pass --app")


def test_an_app_that_never_synthesizes_is_caught(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    (tmp_path / "app.py").write_text("print('built nothing')\n")
    run = shipment_pipeline("synth", "--app", ".", cwd=tmp_path)
    assert_one_error_line(run, "wrote no cloud assembly", "app.synth()")


def test_local_cdk_out_without_an_assembly_is_not_synthesized_into(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = shipment_pipeline("local", "--cdk-out", "empty", "--count", "5", cwd=tmp_path)
    assert_one_error_line(run, "empty holds no cloud assembly (no manifest.json)")
    assert list((tmp_path / "empty").iterdir()) == []


def test_local_takes_an_app_or_an_assembly_not_both(tmp_path: Path) -> None:
    run = shipment_pipeline("local", "--app", ".", "--cdk-out", "cdk.out", "--count", "5", cwd=tmp_path)
    assert_one_error_line(run, "pass --app (to synthesize) or --cdk-out (an existing assembly), not both")


def test_a_context_value_without_equals_is_named(raising_app: Path) -> None:
    run = shipment_pipeline("synth", "--app", ".", "-c", "environmentSuffix", cwd=raising_app)
    assert_one_error_line(run, "-c/--context takes KEY=VALUE, got 'environmentSuffix'")
