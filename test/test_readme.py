"""The README and the docs pages: their code runs, their snippets are the examples' code, and they open for users."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from stacks import REPO

README = (REPO / "README.md").read_text()
PAGES = sorted((REPO / "docs").glob("*.md"))
PYTHON_BLOCK = re.compile(r"(?:<!-- snippet: (?P<source>\S+) -->\n)?```python\n(?P<code>.*?)```", re.S)


def python_blocks(path: Path) -> list[re.Match[str]]:
    return list(PYTHON_BLOCK.finditer(path.read_text()))


def test_snippets_are_copied_verbatim_from_the_files_they_name():
    # The files they name are real example apps, synthesized by test_examples.py: running the file runs the snippet.
    snippets = [block for path in [REPO / "README.md", *PAGES] for block in python_blocks(path) if block["source"]]
    assert snippets, "README.md and the docs have no snippet markers"
    for block in snippets:
        assert block["code"] in (REPO / block["source"]).read_text(), f"snippet from {block['source']} differs"


# Each block that builds constructs gets ``self`` / ``stack``: a Stack of one App shared by all blocks, which is
# synthesized once. A block that defines a stack class (as `cdk init` writes one) is run by building that stack.
BLOCKS = [
    (f"{path.name}:{path.read_text().count(chr(10), 0, block.start()) + 1}", block["code"])
    for path in [REPO / "README.md", *PAGES]
    for block in python_blocks(path)
    if not block["source"]
]


@pytest.fixture(scope="module")
def synthesized_blocks() -> dict[str, list[dict]]:
    """Run every block into its own stacks of one app, synthesize once: block id -> its stacks' templates."""
    app = App()
    stacks: dict[str, list[Stack]] = {}
    for index, (block_id, code) in enumerate(BLOCKS):
        stack = Stack(app, f"Snippet{index}")
        namespace = {"self": stack, "stack": stack, "app": app, "__name__": "snippet"}
        exec(compile(code, block_id, "exec"), namespace)  # noqa: S102 - our own documentation
        defined = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, Stack)]
        built = [stack] + [cls(app, f"Snippet{index}{cls.__name__}") for cls in defined if cls.__module__ == "snippet"]
        stacks[block_id] = [s for s in built if s.node.children]
    assembly = app.synth()
    return {
        block_id: [assembly.get_stack_by_name(s.stack_name).template for s in block_stacks]
        for block_id, block_stacks in stacks.items()
    }


def test_there_are_blocks_to_run():
    assert len(BLOCKS) >= 4  # README's options; the docs' home, getting started and scaling profiles


@pytest.mark.slow  # five pipelines synthesized: about 20 s of CPU
@pytest.mark.parametrize("block_id", [block_id for block_id, _ in BLOCKS])
def test_python_blocks_run_and_build_a_pipeline(block_id, synthesized_blocks):
    templates = synthesized_blocks[block_id]
    assert templates, f"the python block at {block_id} built nothing"
    for template in templates:
        types = {resource["Type"] for resource in template["Resources"].values()}
        assert {"AWS::Events::Rule", "AWS::SQS::Queue", "AWS::Lambda::Function", "AWS::DynamoDB::Table"} <= types


def test_readme_opens_for_users_then_gives_the_two_commands_ci_runs():
    head = README.splitlines()
    intro = next(line for line in head[1:] if line.strip())
    assert "construct library" in intro
    install = README.index("pip install shipment-pipeline-constructs")
    commands = re.search(r"```bash\n(?P<block>(?:> )?make demo.*?)(?:> )?```", README, flags=re.S)
    assert commands and install < commands.start(), "pip install first, then the developer commands"
    assert README.count("\n", 0, commands.start()) < 40, "make demo / make test must stay near the top"
    lines = [line.removeprefix("> ").split("#")[0].strip() for line in commands["block"].strip().splitlines()]
    assert lines == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci/run").read_text()


def test_public_text_never_mentions_the_seed():
    # API.md comes from the docstrings; it joins this list once they no longer say "seed" either.
    included = {REPO / name for page in PAGES for name in re.findall(r'--8<-- "([^"]+)"', page.read_text())}
    for path in [REPO / "README.md", *PAGES, *sorted(included)]:
        text = path.read_text()
        found = [line for line in text.splitlines() if re.search(r"\bseed", line, re.I) and "--seed" not in line]
        assert not found, f"{path.relative_to(REPO)} speaks of a document users do not have: {found[:3]}"


def test_the_text_diagram_shows_the_figures_of_the_mermaid_one():
    mermaid = re.search(r"```mermaid\n(.*?)```", README, re.S).group(1)
    text = (REPO / "docs/snippets/architecture.md").read_text()
    assert set(re.findall(r"\d+", mermaid)) <= set(re.findall(r"\d+", text))


def test_the_readme_cost_figure_is_what_the_cost_command_computes(capsys):
    from shipment_pipeline_constructs.cli import main

    assert main(["cost", "--events-per-day", "30000", "--json"]) == 0
    total = json.loads(capsys.readouterr().out)["total_usd"]
    quoted = re.search(r"about \$(\d+) at list price for 30,000 events a day", README)
    assert quoted and int(quoted.group(1)) == round(total)
