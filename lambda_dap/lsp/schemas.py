"""The JSON Schemas in `schemas/` (shipped as lambda_dap/schemas), and their violations with locations."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

ENV_VARS_SCHEMA = "env-vars.schema.json"
SAMCONFIG_SCHEMA = "samconfig.schema.json"


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    from importlib import resources

    packaged = resources.files("lambda_dap") / "schemas" / name
    if packaged.is_file():
        return json.loads(packaged.read_text(encoding="utf-8"))
    return json.loads((Path(__file__).resolve().parents[2] / "schemas" / name).read_text(encoding="utf-8"))


@functools.cache
def _validator(name: str) -> Any:
    from jsonschema import Draft7Validator

    return Draft7Validator(load_schema(name))


def schema_errors(name: str, document: Any) -> list[tuple[tuple[str | int, ...], bool, str]]:
    """(location, is_key, one-line message) for each violation; `is_key`: the location names a mapping key."""
    found = []
    for error in _validator(name).iter_errors(document):
        path = tuple(error.absolute_path)
        where = ".".join(str(part) for part in path)
        if "propertyNames" in list(error.schema_path):
            found.append(
                ((*path, error.instance), True, f"{where + ': ' if where else ''}{error.instance!r}: not a valid name")
            )
            continue
        found.append((path, False, f"{where or 'file'}: {_describe(error)}"))
    return found


def _describe(error: Any) -> str:
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = {"string": "a string", "number": "a number", "boolean": "true or false", "object": "an object"}
        return f"expected {' or '.join(names.get(name, name) for name in expected)}, got {json.dumps(error.instance)}"
    return error.message
