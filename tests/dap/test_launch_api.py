"""The AWS Toolkit `api` target: the API Gateway REST proxy event lambda-dap invokes the function with."""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from lambda_dap.dap.api_event import Route, build_api_event, find_route, match_path
from lambda_dap.dap.launch import parse_launch_arguments

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        List:
          Type: Api
          Properties: {Path: /items, Method: get}
        One:
          Type: Api
          Properties: {Path: "/items/{id}", Method: GET}
        Sub:
          Type: Api
          Properties: {Path: "/items/{id}/parts/{part}", Method: any}
        Anything:
          Type: Api
          Properties: {Path: "/{proxy+}", Method: ANY}
        Queue:
          Type: SQS
          Properties: {Queue: !GetAtt Q.Arn}
  Plain:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


def api_config(ws: Path, api: dict[str, Any], logical_id: str = "ItemsFunction"):
    arguments = {
        "type": "aws-sam",
        "request": "direct-invoke",
        "name": "api",
        "invokeTarget": {"target": "api", "templatePath": "template.yaml", "logicalId": logical_id},
        "api": api,
    }
    return parse_launch_arguments(arguments, command="direct-invoke", cwd=ws)


def api_event(ws: Path, api: dict[str, Any], logical_id: str = "ItemsFunction") -> dict[str, Any]:
    config = api_config(ws, api, logical_id)
    assert config.options["event_data"] == config.event
    assert config.options["template_file"] == str(ws / "template.yaml")
    assert config.options["function_identifier"] == logical_id
    return json.loads(config.event)


@pytest.mark.parametrize(
    ("method", "path", "resource", "parameters"),
    [
        ("get", "/items", "/items", None),
        ("get", "/items/42", "/items/{id}", {"id": "42"}),
        ("post", "/items/42/parts/7", "/items/{id}/parts/{part}", {"id": "42", "part": "7"}),
        ("post", "/items/42", "/{proxy+}", {"proxy": "items/42"}),  # no POST route for /items/{id}: ANY catches it
        ("delete", "/a/b/c", "/{proxy+}", {"proxy": "a/b/c"}),
    ],
)
def test_the_route_of_the_request_fills_resource_and_path_parameters(
    ws: Path, method: str, path: str, resource: str, parameters: Any
) -> None:
    event = api_event(ws, {"path": path, "httpMethod": method})
    assert event["resource"] == resource
    assert event["requestContext"]["resourcePath"] == resource
    assert event["pathParameters"] == parameters
    assert event["path"] == path
    assert event["httpMethod"] == method.upper()


def test_without_a_matching_route_the_path_is_the_resource_and_a_warning_says_so(ws: Path) -> None:
    config = api_config(ws, {"path": "/items/1", "httpMethod": "get"}, logical_id="Plain")
    event = json.loads(config.event)
    assert (event["resource"], event["pathParameters"]) == ("/items/1", None)
    assert len(config.warnings) == 1
    assert "matches no Api event of Plain" in config.warnings[0]


def test_an_unreadable_template_is_left_for_the_engine(ws: Path) -> None:
    (ws / "template.yaml").unlink()
    config = api_config(ws, {"path": "/items/1", "httpMethod": "get"})
    assert json.loads(config.event)["resource"] == "/items/1"
    assert config.warnings == []


def test_the_event_has_the_proxy_shape(ws: Path) -> None:
    event = api_event(
        ws,
        {
            "path": "/items/42",
            "httpMethod": "put",
            "payload": {"json": {"name": "widget", "n": 2}},
            "headers": {"content-type": "application/vnd.api+json", "X-Trace": "t1"},
            "querystring": "tag=a&tag=b&q=hello%20world&empty=",
            "stageVariables": {"env": "local"},
        },
    )
    assert json.loads(event["body"]) == {"name": "widget", "n": 2}
    assert event["isBase64Encoded"] is False
    assert event["headers"]["content-type"] == "application/vnd.api+json"
    assert "Content-Type" not in event["headers"]  # the configuration's header replaces the default, any case
    assert event["headers"]["X-Trace"] == "t1"
    assert event["multiValueHeaders"] == {name: [value] for name, value in event["headers"].items()}
    assert event["queryStringParameters"] == {"tag": "b", "q": "hello world", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["hello world"], "empty": [""]}
    assert event["stageVariables"] == {"env": "local"}
    context = event["requestContext"]
    assert context["httpMethod"] == "PUT"
    assert context["path"] == "/items/42"
    assert context["stage"] == "Prod"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert uuid.UUID(context["requestId"])
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["requestTime"])
    assert isinstance(context["requestTimeEpoch"], int)


def test_defaults_without_payload_query_or_stage_variables(ws: Path) -> None:
    event = api_event(ws, {"path": "/items", "httpMethod": "GET"})
    assert event["body"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["stageVariables"] is None
    assert event["headers"]["Content-Type"] == "application/json"  # what the Toolkit always sends


def test_the_body_from_a_payload_file_is_its_text(ws: Path) -> None:
    (ws / "body.json").write_text('{"from": "file"}\n')
    event = api_event(ws, {"path": "/items", "httpMethod": "post", "payload": {"path": "body.json"}})
    assert event["body"] == '{"from": "file"}\n'
    assert event["isBase64Encoded"] is False


def test_a_binary_payload_file_is_base64_encoded(ws: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\xff"
    (ws / "image.png").write_bytes(data)
    event = api_event(ws, {"path": "/items", "httpMethod": "post", "payload": {"path": "image.png"}})
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_a_leading_question_mark_in_the_querystring_is_dropped() -> None:
    event = build_api_event(method="get", path="/", querystring="?a=1")
    assert event["queryStringParameters"] == {"a": "1"}


def test_the_clock_and_request_id_can_be_given() -> None:
    event = build_api_event(
        method="get",
        path="/x",
        now_ms=1_428_582_896_000,
        request_id="rid",
        route=Route(resource="/{p}", path_parameters={"p": "x"}),
    )
    assert event["requestContext"]["requestTime"] == "09/Apr/2015:12:34:56 +0000"
    assert event["requestContext"]["requestTimeEpoch"] == 1_428_582_896_000
    assert event["requestContext"]["requestId"] == "rid"
    assert event["pathParameters"] == {"p": "x"}


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/", "/", {}),
        ("/items", "/items/", {}),
        ("/items", "/item", None),
        ("/items/{id}", "/items/a/b", None),
        ("/files/{path+}", "/files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("/users/{user-id}/x", "/users/u1/x", {"user-id": "u1"}),
        ("/a.b/{id}", "/aXb/1", None),
    ],
)
def test_match_path(pattern: str, path: str, expected: dict[str, str] | None) -> None:
    assert match_path(pattern, path) == expected


def test_find_route_prefers_the_method_specific_route() -> None:
    template = {
        "Resources": {
            "Fn": {
                "Properties": {
                    "Events": {
                        "Any": {"Type": "Api", "Properties": {"Path": "/items/{id}", "Method": "ANY"}},
                        "Get": {"Type": "Api", "Properties": {"Path": "/items/{id}", "Method": "get"}},
                        "Http": {"Type": "HttpApi", "Properties": {"Path": "/v2/{id}", "Method": "GET"}},
                    }
                }
            }
        }
    }
    assert find_route(template, "Fn", "GET", "/items/1") == Route("/items/{id}", {"id": "1"})
    assert find_route(template, "Fn", "PATCH", "/items/1") == Route("/items/{id}", {"id": "1"})
    assert find_route(template, "Fn", "GET", "/v2/7") == Route("/v2/{id}", {"id": "7"})
    assert find_route(template, "Missing", "GET", "/items/1") is None
    unresolved = {"E": {"Type": "Api", "Properties": {"Path": {"Fn::Sub": "/x"}, "Method": "get"}}}
    assert find_route({"Resources": {"Fn": {"Properties": {"Events": unresolved}}}}, "Fn", "GET", "/x") is None
