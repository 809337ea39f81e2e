"""schemas/samconfig.schema.json: lambda-dap's part of samconfig.toml. The examples users copy validate, bad
files fail, and its option table is `lambda-dap invoke`'s (lambda_dap/invoke/build.py OPTIONS)."""

from __future__ import annotations

import json
import sys

import pytest
from jsonschema import Draft7Validator

from lambda_dap.config.samconfig import load_command_parameters
from lambda_dap.invoke.build import OPTIONS
from tests.schemas.examples import REPO, example_files, fenced_blocks

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCHEMA = json.loads((REPO / "schemas" / "samconfig.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft7Validator(SCHEMA)
LOCAL_INVOKE = SCHEMA["definitions"]["localInvokeParameters"]["properties"]


def _examples() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [(f"schema example {i}", e) for i, e in enumerate(SCHEMA.get("examples", []))]
    for path in example_files(("samconfig.toml",)):
        found.append((str(path.relative_to(REPO)), tomllib.loads(path.read_text(encoding="utf-8"))))
    for where, _before, body in fenced_blocks(("toml",)):
        if ".parameters]" in body and ("local_invoke" in body or "global" in body):
            found.append((where, tomllib.loads(body)))
    return found


EXAMPLES = _examples()


def _config(parameters: dict, command: str = "local_invoke") -> dict:
    return {"version": 0.1, "default": {command: {"parameters": parameters}}}


def _errors(document: object) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_draft7_schema() -> None:
    Draft7Validator.check_schema(SCHEMA)


def test_examples_are_found() -> None:
    assert any(where.startswith("examples/") for where, _ in EXAMPLES), EXAMPLES


@pytest.mark.parametrize(("where", "document"), EXAMPLES, ids=[where for where, _ in EXAMPLES])
def test_every_example_validates(where: str, document: object) -> None:
    assert _errors(document) == []


def test_every_invoke_option_is_in_the_schema_with_its_kind() -> None:
    kinds = {name: spec.get("x-kind") for name, spec in LOCAL_INVOKE.items() if "x-kind" in spec}
    assert kinds == {name: kind for name, (kind, _variable) in OPTIONS.items()}


def test_the_schema_example_is_what_lambda_dap_reads(tmp_path) -> None:
    path = tmp_path / "samconfig.toml"
    path.write_text(
        'version = 0.1\n[default.global.parameters]\nregion = "eu-west-1"\n'
        "[default.local_invoke.parameters]\nskip_pull_image = true\ndebug_port = [5890, 5891]\n"
    )
    document = tomllib.loads(path.read_text())
    assert _errors(document) == []
    assert load_command_parameters(path) == {"region": "eu-west-1", "skip_pull_image": True, "debug_port": [5890, 5891]}


GOOD = {
    "flags as booleans or SAM's words": {"skip_pull_image": True, "force_image_build": "false", "debug": "yes"},
    "ports as a number, a list, or words": {"debug_port": 5890},
    "ports as a list": {"debug_port": [5890, 5891]},
    "ports as text": {"debug_port": "5890 5891"},
    "overrides as text": {"parameter_overrides": "Stage=dev Greeting=Hi"},
    "overrides as a list": {"parameter_overrides": ["Stage=dev", "Greeting=Hi"]},
    "images as a list": {"invoke_image": ["Hello=img:1", "img:2"]},
    "a tri-state flag": {"mount_symlinks": False, "language_extensions": "yes"},
    "what --save-params writes": {
        "function_logical_id": "Orders",
        "tenant_id": "acme corp",
        "parameter_overrides": {"Stage": "dev"},
        "add_host": {"db.local": "10.0.0.5"},
        "debug_port": [5890],
    },
}
BAD = {
    "a misspelt option": {"skip_pul_image": True},
    "a flag that is no boolean": {"skip_pull_image": "maybe"},
    "a port out of range": {"debug_port": 70000},
    "a port that is text": {"debug_port": "five"},
    "a path that is a number": {"template_file": 5},
    "an empty path": {"env_vars": ""},
    "a tenant id with a character SAM refuses": {"tenant_id": "acme#1"},
    "a hook lambda-dap does not know": {"hook_name": "pulumi"},
}


@pytest.mark.parametrize("name", GOOD)
def test_good_values_validate(name: str) -> None:
    assert _errors(_config(GOOD[name])) == []


@pytest.mark.parametrize("name", BAD)
def test_bad_values_fail(name: str) -> None:
    assert _errors(_config(BAD[name])), f"{name} should not validate"


def test_global_parameters_are_typed_but_open_to_other_commands() -> None:
    assert _errors(_config({"stack_name": "app", "s3_bucket": "b"}, "global")) == []
    assert _errors(_config({"debug_port": "five"}, "global"))


def test_other_commands_tables_are_left_alone() -> None:
    assert _errors({"version": 0.1, "default": {"deploy": {"parameters": {"capabilities": "CAPABILITY_IAM"}}}}) == []


def test_a_wrong_version_fails() -> None:
    assert _errors({"version": 2, "default": {}})
