"""Every launch configuration a user copies from the README or the editors' docs validates against
schemas/launch.schema.json, and parses into a launch the DAP server can run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambda_dap.dap.launch import launch_configuration_errors, parse_launch_arguments
from tests.schemas.examples import REPO, fenced_blocks

_LINE_COMMENT = re.compile(r"(?:^|(?<=\s))//[^\n]*", re.M)


def launch_examples() -> list[tuple[str, dict]]:
    found = []
    for where, _, body in fenced_blocks(("json", "jsonc", "json5")):
        if '"type": "lambda"' not in body and '"type": "aws-sam"' not in body:
            continue
        document = json.loads(_LINE_COMMENT.sub("", body))
        entries = document.get("configurations", [document]) if isinstance(document, dict) else document
        found += [(where, entry) for entry in entries if isinstance(entry, dict)]
    return found


EXAMPLES = launch_examples()


def test_the_readme_has_launch_examples() -> None:
    assert any(where.startswith("README.md") for where, _ in EXAMPLES)


@pytest.mark.parametrize(("where", "configuration"), EXAMPLES, ids=[where for where, _ in EXAMPLES])
def test_every_launch_example_validates_and_parses(where: str, configuration: dict, tmp_path: Path) -> None:
    assert launch_configuration_errors(configuration) == [], where
    command = configuration.get("request", "launch")
    config = parse_launch_arguments(configuration, command=command, cwd=REPO / "examples" / "hello")
    assert config.kind in ("launch", "attach")
