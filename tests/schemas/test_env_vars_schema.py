"""schemas/env-vars.schema.json: the examples users copy validate, bad files fail, and the schema agrees with
what `lambda-dap invoke --env-vars` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from lambda_dap.config.envvars import load_env_vars_file
from lambda_dap.errors import EnvVarsFileError
from tests.schemas.examples import REPO, example_files, fenced_blocks, json_documents, values_of_key

SCHEMA = json.loads((REPO / "schemas" / "env-vars.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft7Validator(SCHEMA)
_MENTIONS = ("env-vars", "env_vars", "env.json", "envvars")


def _examples() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [(f"schema example {i}", e) for i, e in enumerate(SCHEMA.get("examples", []))]
    for path in example_files(("env.json", "*.env.json", "env-vars.json")):
        found.append((str(path.relative_to(REPO)), json.loads(path.read_text(encoding="utf-8"))))
    for where, before, body in fenced_blocks(("json", "jsonc")):
        try:
            document = json.loads(body)
        except ValueError:
            continue
        if not isinstance(document, dict):
            continue
        mentioned = "Parameters" in document or any(m in before.lower() for m in _MENTIONS)
        launch = {"type", "request", "configurations"} & set(document)  # a launch configuration, not the file
        if mentioned and not launch:
            found.append((where, document))
        found += [
            (f"{where} envVars", value) for value in values_of_key(document, "envVars") if isinstance(value, dict)
        ]
    for where, document in json_documents(REPO / "editors"):
        found += [
            (f"{where} envVars", value)
            for value in values_of_key(document, "envVars")
            if isinstance(value, dict) and "type" not in value
        ]  # skip JSON Schema fragments describing envVars itself
    return found


EXAMPLES = _examples()


def test_the_schema_is_a_valid_draft7_schema() -> None:
    Draft7Validator.check_schema(SCHEMA)


def test_examples_are_found() -> None:
    assert any(where.startswith("examples/") for where, _ in EXAMPLES), EXAMPLES


@pytest.mark.parametrize(("where", "document"), EXAMPLES, ids=[where for where, _ in EXAMPLES])
def test_every_example_validates(where: str, document: object) -> None:
    assert [error.message for error in VALIDATOR.iter_errors(document)] == []


BAD = {
    "a list at the top": [{"Parameters": {}}],
    "a block that is not an object": {"HelloWorldFunction": "GREETING=hi"},
    "Parameters as a list": {"Parameters": ["STAGE=dev"]},
    "a nested object value": {"HelloWorldFunction": {"CONFIG": {"a": 1}}},
    "a list value": {"Parameters": {"HOSTS": ["a", "b"]}},
    "a null value": {"Parameters": {"EMPTY": None}},
    "an empty variable name": {"Parameters": {"": "x"}},
    "a name with =": {"Parameters": {"A=B": "x"}},
}


@pytest.mark.parametrize("name", BAD)
def test_bad_files_fail(name: str) -> None:
    assert list(VALIDATOR.iter_errors(BAD[name])), f"{name} should not validate"


@pytest.mark.parametrize("name", ["a list at the top", "a block that is not an object", "Parameters as a list"])
def test_what_the_schema_rejects_at_the_top_lambda_dap_rejects_too(name: str, tmp_path: Path) -> None:
    path = tmp_path / "env.json"
    path.write_text(json.dumps(BAD[name]), encoding="utf-8")
    with pytest.raises(EnvVarsFileError):
        load_env_vars_file(path)


@pytest.mark.parametrize(("where", "document"), EXAMPLES, ids=[where for where, _ in EXAMPLES])
def test_every_example_loads_in_lambda_dap(where: str, document: object, tmp_path: Path) -> None:
    path = tmp_path / "env.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert load_env_vars_file(path) == document
