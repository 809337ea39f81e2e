"""editors/vscode/package.json against schemas/launch.schema.json, from Python (no node needed).

The committed manifest is what scripts/generate_vscode_attributes.py makes of the schema (regenerated and compared
byte for byte), and every initial configuration and snippet, rendered as VS Code inserts it, passes lambda-dap's own
launch-configuration check (the one the adapter runs on a launch request).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from lambda_dap.dap.launch import launch_configuration_errors, parse_launch_arguments

REPO = Path(__file__).resolve().parents[2]
MANIFEST_PATH = REPO / "editors" / "vscode" / "package.json"
MANIFEST = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
DEBUGGERS = {entry["type"]: entry for entry in MANIFEST["contributes"]["debuggers"]}
PLACEHOLDER = re.compile(r"\\([$}\\])|\$\{\d+:([^}]*)\}|\$\{\d+\|([^,|]*)[^}]*\}|\$\{\d+\}|\$\d+")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "generate_vscode_attributes", REPO / "scripts" / "generate_vscode_attributes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_snippet(body: Any) -> Any:
    """A snippet body as VS Code inserts it: "^..." raw, other strings quoted, placeholders at their defaults."""

    def text(value: Any) -> str:
        if isinstance(value, str):
            return value[1:] if value.startswith("^") else json.dumps(value)
        if isinstance(value, list):
            return "[" + ", ".join(text(item) for item in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{json.dumps(key)}: {text(item)}" for key, item in value.items()) + "}"
        return json.dumps(value)

    def placeholder(match: re.Match[str]) -> str:
        return next((group for group in match.groups() if group is not None), "")

    return json.loads(PLACEHOLDER.sub(placeholder, text(body)))


def configurations() -> list[tuple[str, dict[str, Any]]]:
    entries = []
    for debug_type, entry in DEBUGGERS.items():
        for configuration in entry.get("initialConfigurations", []):
            entries.append((f"{debug_type} initial configuration {configuration['name']}", configuration))
        for snippet in entry.get("configurationSnippets", []):
            entries.append((f"{debug_type} snippet {snippet['label']}", render_snippet(snippet["body"])))
    return entries


def test_the_committed_manifest_is_what_the_generator_makes_of_the_schema():
    generator = _generator()
    expected = generator.expected_manifest_text()
    assert MANIFEST_PATH.read_text(encoding="utf-8") == expected, (
        "editors/vscode/package.json is out of date with schemas/launch.schema.json: "
        "run scripts/generate_vscode_attributes.py"
    )
    assert generator.main(["--check"]) == 0


def test_the_generator_notices_a_schema_change(tmp_path):
    generator = _generator()
    schema = json.loads((REPO / "schemas" / "launch.schema.json").read_text(encoding="utf-8"))
    schema["definitions"]["runtime"]["examples"].append("python3.99")
    changed = tmp_path / "launch.schema.json"
    changed.write_text(json.dumps(schema), encoding="utf-8")
    text = generator.expected_manifest_text(MANIFEST_PATH, changed)
    assert text != MANIFEST_PATH.read_text(encoding="utf-8")
    regenerated = json.loads(text)["contributes"]["debuggers"]
    examples = [
        regenerated[0]["configurationAttributes"]["launch"]["properties"]["runtime"]["examples"],
        regenerated[1]["configurationAttributes"]["direct-invoke"]["properties"]["lambda"]["properties"]["runtime"][
            "examples"
        ],
    ]
    assert all("python3.99" in values for values in examples), "the $ref'd runtime is inlined in both debuggers"


def test_the_generator_refuses_a_ref_it_cannot_resolve():
    generator = _generator()
    with pytest.raises(ValueError, match=r"\$ref '#/definitions/nope' names nothing"):
        generator.inline_refs({"$ref": "#/definitions/nope"}, {"definitions": {}})
    with pytest.raises(ValueError, match="refers to itself"):
        generator.inline_refs(
            {"$ref": "#/definitions/a"}, {"definitions": {"a": {"items": {"$ref": "#/definitions/a"}}}}
        )


@pytest.mark.parametrize(("what", "configuration"), configurations(), ids=[what for what, _ in configurations()])
def test_snippets_and_initial_configurations_pass_the_adapters_check(what, configuration):
    assert launch_configuration_errors(configuration) == [], what
    config = parse_launch_arguments(configuration, command=configuration["request"], cwd=REPO / "examples" / "hello")
    assert config.kind == ("attach" if configuration["request"] == "attach" else "launch")
    assert config.shape == ("aws-sam" if configuration["type"] == "aws-sam" else "lambda")


def test_every_debugger_has_snippets_and_the_lambda_one_initial_configurations():
    assert len(configurations()) == 8
    assert DEBUGGERS["lambda"]["initialConfigurations"]
    assert {"launch", "attach"} == {
        c["request"] for c in (render_snippet(s["body"]) for s in DEBUGGERS["lambda"]["configurationSnippets"])
    }
    assert {"direct-invoke"} == {
        c["request"] for c in (render_snippet(s["body"]) for s in DEBUGGERS["aws-sam"]["configurationSnippets"])
    }
