"""The drift check compares with the committed files and never rewrites them."""

from __future__ import annotations

import sys

from stacks import REPO

sys.path.insert(0, str(REPO / "tools"))

import check_generated  # noqa: E402


def test_a_stale_api_md_fails_the_check_and_is_left_as_committed(monkeypatch, capsys):
    committed = (REPO / "API.md").read_bytes()
    monkeypatch.setattr(check_generated.api_docs, "render", lambda: "# API reference\n\nsomething new\n")

    assert check_generated.main() == 1

    assert (REPO / "API.md").read_bytes() == committed
    assert "API.md" in capsys.readouterr().err


def test_current_files_pass():
    assert check_generated.main() == 0
