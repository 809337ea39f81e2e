"""lambda-dap's own runtime client (plain images) gives the results, context and errors the Lambda runtime gives."""

from __future__ import annotations

import json

import pytest

from tests.invoke.conftest import KITCHEN

pytestmark = pytest.mark.docker


def _template(tmp_path, runtime: str):
    """The kitchen app as one function on `runtime`, in a directory of its own."""
    app = tmp_path / f"app-{runtime}"
    app.mkdir()
    (app / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Kitchen:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        f"      CodeUri: {KITCHEN / 'src'}\n"
        "      Handler: app.handler\n"
        f"      Runtime: {runtime}\n"
        "      Timeout: 10\n",
        encoding="utf-8",
    )
    return app


def _both(invoke_cli, lambda_images, event, *args, **kwargs):
    """The same invoke on the plain image and on the Lambda-like one (real awslambdaric)."""
    runs = {
        name: invoke_cli("Kitchen", "--event", "-", *args, stdin=json.dumps(event).encode(), image=image, **kwargs)
        for name, image in (("plain", lambda_images["plain"]), ("python", lambda_images["python"]))
    }
    for name, run in runs.items():
        assert run.code == 0, (name, run.stderr)
    return runs["plain"], runs["python"]


def test_bytes_are_posted_as_they_are(invoke_cli, lambda_images):
    plain, python = _both(invoke_cli, lambda_images, {"action": "bytes", "text": "not json: é"})
    assert plain.stdout.rstrip(b"\n") == "not json: é".encode()
    assert plain.stdout == python.stdout


def test_decimal_is_a_number_and_nested_bytes_text(invoke_cli, lambda_images):
    event = {"action": "decimal", "values": ["1.10", "3.14159265358979323846", "-0", "1E+2", "NaN"]}
    plain, python = _both(invoke_cli, lambda_images, event)
    assert b'"values": [1.10, 3.14159265358979323846, -0, 1E+2, NaN]' in plain.stdout
    assert b'"nested": {"bytes": "raw"}' in plain.stdout
    assert plain.stdout == python.stdout


ESCAPED = [("python3.11", b'"\\u00e9\\u2603"'), ("python3.12", '"é☃"'.encode())]


@pytest.mark.parametrize(("runtime", "expected"), ESCAPED)
def test_non_ascii_escaped_as_that_runtime_does(invoke_cli, lambda_images, tmp_path, runtime, expected):
    event = {"action": "echo", "text": "é☃"}
    plain, python = _both(invoke_cli, lambda_images, event, cwd=_template(tmp_path, runtime))
    assert expected in plain.stdout
    plain_result, python_result = json.loads(plain.stdout), json.loads(python.stdout)
    plain_result.pop("requestId"), python_result.pop("requestId")
    assert plain_result == python_result


def test_context_has_every_attribute_the_lambda_runtime_gives(invoke_cli, lambda_images):
    plain, python = _both(invoke_cli, lambda_images, {"action": "context_all"})
    assert plain.json == python.json
    assert plain.json["identity"] == "CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None])"
    assert plain.json["client_context"] == "None"
    assert plain.json["has_log"] and plain.json["has_request_id"] and plain.json["remaining_positive"]
    assert "tenant_id" in plain.json


def test_error_stack_trace_leaves_out_the_runtime_client(invoke_cli, lambda_images):
    runs = {
        name: invoke_cli(
            "Kitchen", "--event", "-", stdin=json.dumps({"action": "raise", "message": "bad"}).encode(), image=image
        )
        for name, image in (("plain", lambda_images["plain"]), ("python", lambda_images["python"]))
    }
    documents = {name: run.json for name, run in runs.items()}
    plain, python = documents["plain"], documents["python"]
    assert plain["errorType"] == python["errorType"] == "ValueError"
    assert plain["errorMessage"] == python["errorMessage"] == "bad"
    assert plain["stackTrace"] == python["stackTrace"]
    assert plain["stackTrace"] and all("app.py" in frame for frame in plain["stackTrace"])
    assert not any("runtime_client" in frame for frame in plain["stackTrace"])
    assert runs["plain"].stdout.replace(plain["requestId"].encode(), b"") == runs["python"].stdout.replace(
        python["requestId"].encode(), b""
    )
