"""Building DAP responses and events, and the few checks every incoming message gets."""

from __future__ import annotations

from typing import Any

from lambda_dap.errors import LambdaDapError

Message = dict[str, Any]

GENERIC_ERROR_ID = 6000  # errors that are not a LambdaDapError (out-of-order requests, unknown commands)


def response(request: Message, body: dict[str, Any] | None = None) -> Message:
    """A successful response to `request`."""
    message: Message = {
        "type": "response",
        "request_seq": request.get("seq", 0),
        "success": True,
        "command": request.get("command", ""),
    }
    if body is not None:
        message["body"] = body
    return message


def error_response(request: Message, text: str, *, error_id: int = GENERIC_ERROR_ID, show_user: bool = True) -> Message:
    """A failed response to `request`: `message` for logs, `body.error` for the editor to show."""
    return {
        "type": "response",
        "request_seq": request.get("seq", 0),
        "success": False,
        "command": request.get("command", ""),
        "message": text,
        "body": {"error": {"id": error_id, "format": text, "showUser": show_user}},
    }


def error_response_for(request: Message, error: LambdaDapError) -> Message:
    return error_response(request, error.message, error_id=error.code)


def event(name: str, body: dict[str, Any] | None = None) -> Message:
    message: Message = {"type": "event", "event": name}
    if body is not None:
        message["body"] = body
    return message


def output(text: str, category: str = "console") -> Message:
    return event("output", {"category": category, "output": text})


def request(command: str, arguments: dict[str, Any] | None = None) -> Message:
    message: Message = {"type": "request", "command": command}
    if arguments is not None:
        message["arguments"] = arguments
    return message


def problem(message: Message) -> str | None:
    """Why `message` is not a usable DAP message, or None."""
    kind = message.get("type")
    if kind == "request":
        if not isinstance(message.get("command"), str):
            return "a request needs a string `command`"
        if not isinstance(message.get("seq"), int) or isinstance(message.get("seq"), bool):
            return "a request needs an integer `seq`"
        if "arguments" in message and not isinstance(message["arguments"], dict | None):
            return "a request's `arguments` must be an object"
        return None
    if kind == "response":
        if not isinstance(message.get("request_seq"), int) or isinstance(message.get("request_seq"), bool):
            return "a response needs an integer `request_seq`"
        return None
    if kind == "event":
        return None if isinstance(message.get("event"), str) else "an event needs a string `event`"
    return f"unknown message type {kind!r}: expected request, response or event"


def arguments_of(message: Message) -> dict[str, Any]:
    arguments = message.get("arguments")
    return arguments if isinstance(arguments, dict) else {}
