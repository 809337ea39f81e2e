"""validate_message accepts real DAP traffic and names the field of a bad message."""

from __future__ import annotations

import copy
import json

import pytest

from tests.dap.dap_schema import SCHEMA_PATH, InvalidDapMessage, definitions_for, validate_message

VSCODE_INITIALIZE = {
    "seq": 1,
    "type": "request",
    "command": "initialize",
    "arguments": {
        "clientID": "vscode",
        "clientName": "Visual Studio Code",
        "adapterID": "aws-sam",
        "pathFormat": "path",
        "linesStartAt1": True,
        "columnsStartAt1": True,
        "supportsVariableType": True,
        "supportsVariablePaging": True,
        "supportsRunInTerminalRequest": True,
        "locale": "en",
        "supportsProgressReporting": True,
        "supportsInvalidatedEvent": True,
        "supportsMemoryReferences": True,
        "supportsArgsCanBeInterpretedByShell": True,
        "supportsMemoryEvent": True,
        "supportsStartDebuggingRequest": True,
        "supportsANSIStyling": True,
    },
}

GOOD = {
    "vscode initialize": VSCODE_INITIALIZE,
    "initialize response": {
        "seq": 1,
        "type": "response",
        "request_seq": 1,
        "success": True,
        "command": "initialize",
        "body": {
            "supportsConfigurationDoneRequest": True,
            "exceptionBreakpointFilters": [{"filter": "raised", "label": "Raised Exceptions", "default": False}],
        },
    },
    "setBreakpoints": {
        "seq": 3,
        "type": "request",
        "command": "setBreakpoints",
        "arguments": {"source": {"path": "/src/app.py"}, "breakpoints": [{"line": 7}], "lines": [7]},
    },
    "stackTrace response": {
        "seq": 9,
        "type": "response",
        "request_seq": 8,
        "success": True,
        "command": "stackTrace",
        "body": {
            "stackFrames": [{"id": 2, "name": "handler", "line": 7, "column": 1, "source": {"path": "/src/app.py"}}],
            "totalFrames": 1,
        },
    },
    "failed response with error body": {
        "seq": 4,
        "type": "response",
        "request_seq": 2,
        "success": False,
        "command": "launch",
        "message": "template: not found",
        "body": {"error": {"id": 6001, "format": "template: not found", "showUser": True}},
    },
    "stopped event": {"seq": 5, "type": "event", "event": "stopped", "body": {"reason": "breakpoint", "threadId": 1}},
    "output event": {"seq": 6, "type": "event", "event": "output", "body": {"category": "stdout", "output": "héllo\n"}},
    "initialized event without body": {"seq": 2, "type": "event", "event": "initialized"},
    "exited event": {"seq": 7, "type": "event", "event": "exited", "body": {"exitCode": 3}},
    "custom request (base only)": {
        "seq": 4,
        "type": "request",
        "command": "direct-invoke",
        "arguments": {"invokeTarget": {"target": "code"}},
    },
    "custom invoke response (base only)": {
        "seq": 12,
        "type": "response",
        "request_seq": 11,
        "success": True,
        "command": "invoke",
        "body": {"anything": [1, 2]},
    },
    "custom event (base only)": {"seq": 3, "type": "event", "event": "debugpySockets", "body": {"sockets": []}},
    "startDebugging reverse request": {
        "seq": 10,
        "type": "request",
        "command": "startDebugging",
        "arguments": {"request": "attach", "configuration": {"type": "pwa-node", "port": 9229}},
    },
    "runInTerminal response": {
        "seq": 3,
        "type": "response",
        "request_seq": 10,
        "success": True,
        "command": "runInTerminal",
        "body": {"processId": 4242},
    },
}


@pytest.mark.parametrize("message", GOOD.values(), ids=GOOD.keys())
def test_valid_messages_pass(message):
    validate_message(message)


def _without(message: dict, *path: str) -> dict:
    broken = copy.deepcopy(message)
    target = broken
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return broken


def _with(message: dict, value, *path: str) -> dict:
    broken = copy.deepcopy(message)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return broken


BAD = {
    # (message, the definition that must reject it, a fragment of the error text)
    "seq 0": (_with(GOOD["stopped event"], 0, "seq"), "ProtocolMessage", "seq"),
    "seq a string": (_with(GOOD["stopped event"], "5", "seq"), "ProtocolMessage", "seq"),
    "seq a float": (_with(GOOD["stopped event"], 5.5, "seq"), "ProtocolMessage", "seq"),
    "no seq": (_without(GOOD["stopped event"], "seq"), "ProtocolMessage", "'seq' is a required property"),
    "no type": (_without(GOOD["stopped event"], "type"), "ProtocolMessage", "'type' is a required property"),
    "unknown type": ({"seq": 1, "type": "notification"}, None, "one of request, response, event"),
    "request without command": (_without(GOOD["setBreakpoints"], "command"), "Request", "'command'"),
    "response without request_seq": (
        _without(GOOD["initialize response"], "request_seq"),
        "Response",
        "'request_seq' is a required property",
    ),
    "response success a string": (_with(GOOD["initialize response"], "yes", "success"), "Response", "success"),
    "event without event name": (_without(GOOD["output event"], "event"), "Event", "'event'"),
    "initialize without adapterID": (
        _without(VSCODE_INITIALIZE, "arguments", "adapterID"),
        "InitializeRequest",
        "adapterID",
    ),
    "initialize pathFormat a number": (
        _with(VSCODE_INITIALIZE, 1, "arguments", "pathFormat"),
        "InitializeRequest",
        "pathFormat",
    ),
    "capability a string": (
        _with(GOOD["initialize response"], "true", "body", "supportsConfigurationDoneRequest"),
        "InitializeResponse",
        "supportsConfigurationDoneRequest",
    ),
    "setBreakpoints without source": (
        _without(GOOD["setBreakpoints"], "arguments", "source"),
        "SetBreakpointsRequest",
        "source",
    ),
    "breakpoint line a string": (
        _with(GOOD["setBreakpoints"], [{"line": "7"}], "arguments", "breakpoints"),
        "SetBreakpointsRequest",
        "arguments.breakpoints[0].line",
    ),
    "stackTrace response without body": (
        _without(GOOD["stackTrace response"], "body"),
        "StackTraceResponse",
        "'body' is a required property",
    ),
    "stack frame without line": (
        _with(GOOD["stackTrace response"], [{"id": 2, "name": "handler", "column": 1}], "body", "stackFrames"),
        "StackTraceResponse",
        "line",
    ),
    "stopped event without reason": (
        _with(GOOD["stopped event"], {"threadId": 1}, "body"),
        "StoppedEvent",
        "reason",
    ),
    "output event without output": (
        _with(GOOD["output event"], {"category": "stdout"}, "body"),
        "OutputEvent",
        "output",
    ),
    "exited event code a string": (_with(GOOD["exited event"], {"exitCode": "3"}, "body"), "ExitedEvent", "exitCode"),
    "failed response without body": (
        _without(GOOD["failed response with error body"], "body"),
        "ErrorResponse",
        "'body' is a required property",
    ),
    "startDebugging request kind unknown": (
        _with(GOOD["startDebugging reverse request"], "spawn", "arguments", "request"),
        "StartDebuggingRequest",
        "arguments.request",
    ),
}


@pytest.mark.parametrize(("message", "definition", "fragment"), BAD.values(), ids=BAD.keys())
def test_invalid_messages_name_the_definition_and_field(message, definition, fragment):
    with pytest.raises(InvalidDapMessage) as caught:
        validate_message(message)
    text = str(caught.value)
    assert fragment in text
    if definition:
        assert f"breaks {definition} " in text


def test_the_base_definitions_alone_let_custom_names_through_but_still_check_the_envelope():
    assert definitions_for(GOOD["custom request (base only)"]) == ["ProtocolMessage", "Request"]
    with pytest.raises(InvalidDapMessage, match="breaks ProtocolMessage at seq"):
        validate_message(_with(GOOD["custom request (base only)"], -1, "seq"))
    with pytest.raises(InvalidDapMessage, match="breaks Request at command"):
        validate_message(_with(GOOD["custom request (base only)"], ["direct-invoke"], "command"))


def test_specific_definitions_are_chosen_by_name():
    assert definitions_for(VSCODE_INITIALIZE)[-1] == "InitializeRequest"
    assert definitions_for(GOOD["stackTrace response"])[-1] == "StackTraceResponse"
    assert definitions_for(GOOD["output event"])[-1] == "OutputEvent"
    assert definitions_for(GOOD["failed response with error body"])[-1] == "ErrorResponse"
    # names that happen to form a definition's name but are not that command: base checks only
    assert definitions_for({"seq": 1, "type": "response", "command": "error", "success": True, "request_seq": 1}) == [
        "ProtocolMessage",
        "Response",
    ]


def test_every_request_and_event_definition_is_reachable_by_its_name():
    """Each `<Command>Request` / `<Event>Event` of the schema is selected for a message carrying its name."""
    definitions = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["definitions"]
    reached = 0
    for name, definition in definitions.items():
        for part in definition.get("allOf", [])[1:]:
            props = part.get("properties", {})
            if name.endswith("Request") and "enum" in props.get("command", {}):
                (command,) = props["command"]["enum"]
                assert definitions_for({"type": "request", "command": command})[-1] == name
                assert definitions_for({"type": "response", "command": command, "success": True})[-1] in (
                    f"{name[: -len('Request')]}Response",
                    "Response",
                )
                reached += 1
            elif name.endswith("Event") and "enum" in props.get("event", {}):
                (event,) = props["event"]["enum"]
                assert definitions_for({"type": "event", "event": event})[-1] == name
                reached += 1
    assert reached >= 60  # this copy of the schema defines 45 requests and 17 events


def test_non_object_messages_are_rejected():
    with pytest.raises(InvalidDapMessage, match="JSON object"):
        validate_message([1, 2])  # type: ignore[arg-type]
