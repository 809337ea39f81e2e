"""The API Gateway REST (v1) proxy event of an AWS Toolkit `api` target, and the route it matches in the template.

The Toolkit sends an HTTP request to `sam local start-api`, which turns it into this event; lambda-dap invokes the
function with the event directly. Values SAM's local API fills in the same way: stage "Prod", account 123456789012,
source IP 127.0.0.1, a fresh request id.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

STAGE = "Prod"
_ACCOUNT_ID = "123456789012"
_API_ID = "1234567890"
_HOST = "127.0.0.1:3000"  # `sam local start-api`'s default address
_USER_AGENT = "lambda-dap"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DEFAULT_HEADERS = {
    "Content-Type": "application/json",  # what the Toolkit sends unless the configuration's headers say otherwise
    "Host": _HOST,
    "User-Agent": _USER_AGENT,
    "X-Forwarded-Port": _HOST.rpartition(":")[2],
    "X-Forwarded-Proto": "http",
}
_ROUTE_EVENT_TYPES = ("Api", "HttpApi")


@dataclass(frozen=True)
class Route:
    """An Api event of the function that the request path matches."""

    resource: str  # the event's Path, e.g. "/items/{id}"
    path_parameters: dict[str, str]


def build_api_event(
    *,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    querystring: str | None = None,
    stage_variables: Mapping[str, str] | None = None,
    route: Route | None = None,
    now_ms: int | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The proxy event API Gateway would send for this request; `route` fills resource and pathParameters."""
    method = method.upper()
    resource = route.resource if route else path
    all_headers = _merge_headers(headers or {})
    query = parse_qsl((querystring or "").lstrip("?"), keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for key, value in query:
        multi_query.setdefault(key, []).append(value)
    text, is_base64 = _body_text(body)
    epoch_ms = int(time.time() * 1000) if now_ms is None else now_ms
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": {key: values[-1] for key, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": (dict(route.path_parameters) if route and route.path_parameters else None),
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": {
            "accountId": _ACCOUNT_ID,
            "apiId": _API_ID,
            "domainName": _HOST.partition(":")[0],
            "httpMethod": method,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": all_headers.get("User-Agent", _USER_AGENT)},
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": request_id or str(uuid.uuid4()),
            "requestTime": _request_time(epoch_ms),
            "requestTimeEpoch": epoch_ms,
            "resourceId": "123456",
            "resourcePath": resource,
            "stage": STAGE,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def find_route(template: Mapping[str, Any], logical_id: str, method: str, path: str) -> Route | None:
    """The function's Api/HttpApi event whose Path and Method match the request, most specific first.

    Looks at the function's own `Events` in the (parsed) template only: routes defined in an OpenAPI
    DefinitionBody, or functions of nested stacks, are not searched.
    """
    resources = template.get("Resources")
    resource = resources.get(logical_id) if isinstance(resources, Mapping) else None
    properties = resource.get("Properties") if isinstance(resource, Mapping) else None
    events = properties.get("Events") if isinstance(properties, Mapping) else None
    if not isinstance(events, Mapping):
        return None
    candidates: list[tuple[tuple[int, int, int], Route]] = []
    for event in events.values():
        if not isinstance(event, Mapping) or event.get("Type") not in _ROUTE_EVENT_TYPES:
            continue
        props = event.get("Properties")
        if not isinstance(props, Mapping):
            continue
        pattern, event_method = props.get("Path"), props.get("Method")
        if not isinstance(pattern, str) or not isinstance(event_method, str):
            continue
        any_method = event_method.upper() in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD")
        if not any_method and event_method.upper() != method.upper():
            continue
        parameters = match_path(pattern, path)
        if parameters is None:
            continue
        greedy = pattern.count("+}")
        specificity = (int(any_method), greedy, len(parameters))
        candidates.append((specificity, Route(resource=pattern, path_parameters=parameters)))
    return min(candidates, key=lambda item: item[0])[1] if candidates else None


def match_path(pattern: str, path: str) -> dict[str, str] | None:
    """The path parameters if `path` matches the route `pattern` ("/items/{id}", "/{proxy+}"), else None."""
    regex = []
    for segment in pattern.strip("/").split("/"):
        greedy = re.fullmatch(r"\{([^{}/]+)\+\}", segment)
        plain = re.fullmatch(r"\{([^{}/+]+)\}", segment)
        if greedy:
            regex.append(f"(?P<{_group(greedy.group(1))}>.+)")
        elif plain:
            regex.append(f"(?P<{_group(plain.group(1))}>[^/]+)")
        else:
            regex.append(re.escape(segment))
    names = re.findall(r"\{([^{}/+]+)\+?\}", pattern)
    found = re.fullmatch("/".join(regex), path.strip("/"))
    if found is None:
        return None
    return {name: found.group(_group(name)) for name in names}


def _group(name: str) -> str:
    """A regex group name for a path parameter name (which may contain characters groups cannot)."""
    return "p_" + "".join(char if char.isalnum() else f"_{ord(char):x}_" for char in name)


def _merge_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The default headers with the configuration's on top; names compare case-insensitively."""
    merged = dict(_DEFAULT_HEADERS)
    for name, value in headers.items():
        for existing in [key for key in merged if key.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    return merged


def _body_text(body: bytes | None) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _request_time(epoch_ms: int) -> str:
    """API Gateway's requestTime, e.g. "09/Apr/2015:12:34:56 +0000" (month names independent of the locale)."""
    moment = time.gmtime(epoch_ms / 1000)
    return (
        f"{moment.tm_mday:02d}/{_MONTHS[moment.tm_mon - 1]}/{moment.tm_year}:{time.strftime('%H:%M:%S', moment)} +0000"
    )


def load_route(template_path: Path, logical_id: str, method: str, path: str) -> tuple[bool, Route | None]:
    """(template readable, matching route). An unreadable template is left for the engine to report."""
    from lambda_dap.errors import LambdaDapError
    from lambda_dap.template import load_template

    try:
        template = load_template(template_path)
    except LambdaDapError:
        return False, None
    return True, find_route(template, logical_id, method, path)
