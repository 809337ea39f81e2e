"""schemas/launch.schema.json itself: a valid schema, documented, and the same file the installed adapter reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema

from lambda_dap.dap.launch import load_launch_schema

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "schemas" / "launch.schema.json"


def test_schema_is_valid_under_its_metaschema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    assert validator is jsonschema.Draft7Validator
    validator.check_schema(schema)


def test_the_adapter_reads_the_schema_of_the_source_tree() -> None:
    assert load_launch_schema() == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_package_copy_is_the_schemas_directory() -> None:
    """lambda_dap/schemas is a link to schemas/, so a wheel carries the one file and nothing can drift."""
    packaged = REPO / "lambda_dap" / "schemas"
    assert packaged.is_symlink()
    assert packaged.resolve() == SCHEMA_FILE.parent.resolve()


def schema_ref_parts(ref: str) -> list[str]:
    assert ref.startswith("#/"), ref
    return ref[2:].split("/")


# Keywords of a subschema that only adds a condition to a property declared elsewhere (in an `if`, a `then`).
_CONDITION_ONLY = {"required", "errorMessage", "properties", "const"}


def _properties(schema: Any, root: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, property declaration) of the schema, following $ref once per property; conditions skipped."""
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            if set(sub) <= _CONDITION_ONLY:
                continue
            target = sub
            if "$ref" in sub:
                target = root
                for part in schema_ref_parts(sub["$ref"]):
                    target = target[part]
            yield f"{where}.{name}", target
            yield from _properties(target, root, f"{where}.{name}")
        for key, sub in schema.items():
            if key in ("properties", "$ref", "if", "not"):
                continue
            if isinstance(sub, dict):
                yield from _properties(sub, root, where)
            elif isinstance(sub, list):
                for item in sub:
                    yield from _properties(item, root, where)


def test_every_property_has_a_description() -> None:
    """The VS Code extension generates configurationAttributes from this file: no field may go undocumented."""
    schema = load_launch_schema()
    found = dict(_properties(schema, schema, ""))
    assert len(found) > 60
    undocumented = sorted(path for path, sub in found.items() if not sub.get("description"))
    assert undocumented == []


def test_the_flat_shape_has_a_field_for_every_invoke_option() -> None:
    """One flat field per `lambda-dap invoke` option (the CLI's own click parameters), so none is out of reach."""
    import lambda_dap.cli.main  # noqa: F401
    from lambda_dap.cli.invoke import invoke_command

    not_fields = {
        "function_identifier": "function",
        "event": "eventFile",
        "no_event": None,
        "events": None,  # a script is the command line's; a keepAlive session's `invoke` request sends the next event
        "debug": None,
        "template_file": "template",
        "save_params": None,  # writes the command line into samconfig.toml: a launch configuration has none
        "beta_features": None,  # gates nothing in lambda-dap
        "hook_name": None,  # lambda-dap does not run Terraform; these stay in sam.localArguments
        "skip_prepare_infra": None,
        "terraform_plan_file": None,
    }
    launch = load_launch_schema()["definitions"]["launch"]["properties"]
    for param in invoke_command.params:
        if param.name in not_fields:
            expected = not_fields[param.name]
        else:
            head, *rest = param.name.split("_")
            expected = head + "".join(word.capitalize() for word in rest)
        if expected is not None:
            assert expected in launch, f"--{param.name} has no flat field {expected}"
