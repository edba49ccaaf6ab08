"""The README's code is the examples' code, so it cannot rot."""

from __future__ import annotations

import re

from stacks import REPO


def test_snippets_are_copied_verbatim_from_the_files_they_name():
    readme = (REPO / "README.md").read_text()
    snippets = re.findall(r"<!-- snippet: (\S+) -->\n```python\n(.*?)```", readme, flags=re.S)
    assert snippets, "README.md has no snippet markers"
    for path, code in snippets:
        assert code in (REPO / path).read_text(), f"README snippet from {path} no longer matches the file"


def test_readme_opens_with_the_two_commands_ci_runs():
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, flags=re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci/run").read_text()
