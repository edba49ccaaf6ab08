# /// script
# requires-python = ">=3.10"
# dependencies = ["checkov==3.3.30"]
# ///
"""checkov, run from its own locked environment: ``uv run --locked --script tools/run_checkov.py ARGS``.

checkov pins its dependencies tightly (boto3 to one release, packaging below 24, networkx below 2.7),
which conflicts with this project's locked environment (boto3 1.4x, packaging 26, which hatchling
needs), so it cannot be a dev dependency. uv builds this script's environment from
``run_checkov.py.lock`` (``uv lock --script tools/run_checkov.py`` after changing the pin above);
``make setup`` installs it. Set ``BC_SKIP_MAPPING=TRUE`` and pass ``--skip-download`` so that checkov
stays on the machine (it otherwise fetches its guidelines from a vendor API).
"""

import sys
import warnings

from checkov.main import Checkov

if __name__ == "__main__":
    # What checkov's own console script does: its check modules hold regexes Python 3.12 warns about.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        sys.exit(Checkov().run())
