"""Validate Debug Adapter Protocol messages against the DAP's own JSON schema (draft-04, the copy beside this file).

Every message is checked against the base `ProtocolMessage`, then against `Request`, `Response` or `Event` by its
`type`, then against the specific `<Command>Request`, `<Command>Response` or `<Event>Event` definition when the schema
has one for that name. A failed response (`success: false`) is checked against `ErrorResponse`, as the protocol
defines its body. Custom commands and events (`invoke`, `direct-invoke`, `debugpySockets`) get the base checks only.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent / "debugAdapterProtocol.json"

_BASE_BY_TYPE = {"request": "Request", "response": "Response", "event": "Event"}


class InvalidDapMessage(AssertionError):
    """A message that breaks the DAP schema; the text names the definition and the offending field."""


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator(definition: str):
    import jsonschema

    root = _schema()
    # Draft-04 ignores keywords beside "$ref", and "#/definitions/..." resolves against this document itself.
    return jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": root["definitions"]})


def _specific_definition(kind: str, name: Any) -> str | None:
    """The schema's own definition for this command or event name, if it has one that pins exactly that name."""
    if not isinstance(name, str) or not name:
        return None
    suffix = _BASE_BY_TYPE[kind]
    candidate = f"{name[0].upper()}{name[1:]}{suffix}"
    definition = _schema()["definitions"].get(candidate)
    if definition is None:
        return None
    key = "event" if kind == "event" else "command"
    for part in definition.get("allOf", []):
        if part.get("properties", {}).get(key, {}).get("enum") == [name]:
            return candidate
    if kind == "response":
        # Responses do not pin their command; XResponse exists only for a request X, which the check above pins.
        request = _schema()["definitions"].get(f"{name[0].upper()}{name[1:]}Request", {})
        for part in request.get("allOf", []):
            if part.get("properties", {}).get("command", {}).get("enum") == [name]:
                return candidate
    return None


def definitions_for(message: dict[str, Any]) -> list[str]:
    """The schema definitions `message` is checked against, most general first."""
    names = ["ProtocolMessage"]
    kind = message.get("type")
    if kind not in _BASE_BY_TYPE:
        return names
    names.append(_BASE_BY_TYPE[kind])
    if kind == "response" and message.get("success") is False:
        names.append("ErrorResponse")
        return names
    specific = _specific_definition(kind, message.get("event" if kind == "event" else "command"))
    if specific:
        names.append(specific)
    return names


def _where(error) -> str:
    path = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "(message)"


def validate_message(message: dict[str, Any]) -> None:
    """Raise InvalidDapMessage unless `message` is a valid DAP request, response or event."""
    import jsonschema

    if not isinstance(message, dict):
        raise InvalidDapMessage(f"a DAP message must be a JSON object, got {type(message).__name__}")
    names = definitions_for(message)
    for name in names:
        error = jsonschema.exceptions.best_match(_validator(name).iter_errors(message))
        if error is not None:
            label = message.get("command") or message.get("event") or message.get("type")
            raise InvalidDapMessage(
                f"{label!r} {message.get('type')} breaks {name} at {_where(error)}: {error.message}"
            )
    if len(names) == 1:  # the base schema leaves "type" open ("_enum"); the protocol has exactly three
        raise InvalidDapMessage(f"message type must be one of request, response, event; got {message.get('type')!r}")
