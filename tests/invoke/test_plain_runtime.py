"""lambda-dap's own runtime client (plain images) gives the results, context and errors the Lambda runtime gives."""

from __future__ import annotations

import json
import re

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


# Handlers that fail, each in its own way; on both images the same code, template and event.
FAILING = {
    "handler-raises": (
        "app.handler",
        "def handler(event, context):\n    return check(event)\n\n\ndef check(event):\n    raise KeyError('id')\n",
    ),
    "syntax-error": ("app.handler", "def handler(event, context):\n    return (1 +\n"),
    "missing-module": ("missing.handler", "x = 1\n"),
    "missing-function": ("app.handle", "def handler(event, context):\n    return 1\n"),
    "import-time-exception": (
        "app.handler",
        "import json\n\n\ndef load():\n    return json.loads('{')\n\n\nCONFIG = load()\n",
    ),
    "malformed-handler": ("app", "x = 1\n"),
}


def _failing_function(tmp_path, case: str, properties: str = ""):
    handler, code = FAILING[case]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(code)
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: src/\n      Handler: {handler}\n      Runtime: python3.11\n{properties}"
    )
    return tmp_path


def _error_log(stderr: str) -> list[str]:
    """Every line `lambda-dap invoke` shows but START, END and REPORT: the runtime's own, here its [WARNING] before an
    init error (without its time stamp) and its [ERROR] report with the trace."""
    lines = [line for line in stderr.splitlines() if not line.startswith(("START ", "END ", "REPORT "))]
    lines = [re.sub(r"^\[WARNING\]\t\S+\t", "[WARNING]\t<time>\t", line) for line in lines]
    return [re.sub(r'^\{"timestamp": "[^"]+"', '{"timestamp": "<time>"', line) for line in lines]


@pytest.mark.parametrize("case", list(FAILING))
def test_errors_are_the_lambda_runtimes_document_and_log(invoke_cli, lambda_images, tmp_path, case):
    """lambda-dap's runtime client fails as awslambdaric does: the same error document (type, message, stackTrace of
    the function's own frames, requestId set for an invocation's error, empty for an init error), the same [ERROR]
    log line, the same exit code."""
    project = _failing_function(tmp_path, case)
    runs = {kind: invoke_cli("--no-event", image=lambda_images[kind], cwd=project) for kind in ("plain", "python")}
    plain, python = runs["plain"], runs["python"]
    assert plain.code == python.code == 3, (plain.stderr, python.stderr)
    documents = {kind: run.json for kind, run in runs.items()}
    for document in documents.values():
        assert set(document) == {"errorMessage", "errorType", "requestId", "stackTrace"}
        assert (document["requestId"] != "") is (case == "handler-raises")
        document["requestId"] = bool(document["requestId"])
        assert not any("runtime_client" in frame or "bootstrap.py" in frame for frame in document["stackTrace"])
    assert documents["plain"] == documents["python"]
    assert _error_log(plain.stderr) == _error_log(python.stderr)
    assert any(line.startswith(f"[ERROR] {documents['plain']['errorType']}") for line in _error_log(plain.stderr))


@pytest.mark.parametrize("case", ["handler-raises", "import-time-exception"])
def test_errors_in_json_logs_are_the_lambda_runtimes(invoke_cli, lambda_images, tmp_path, case):
    """LoggingConfig.LogFormat JSON: the error (and the warning before an init error) is one JSON object a line, as
    awslambdaric writes it."""
    project = _failing_function(tmp_path, case, "      LoggingConfig:\n        LogFormat: JSON\n")
    runs = {kind: invoke_cli("--no-event", image=lambda_images[kind], cwd=project) for kind in ("plain", "python")}
    logs = {kind: _error_log(run.stderr) for kind, run in runs.items()}
    if case == "handler-raises":  # an invocation's error carries its request id
        for kind, run in runs.items():
            logs[kind] = [line.replace(run.json["requestId"], "<id>") for line in logs[kind]]
    assert logs["plain"] == logs["python"]
    errors = [json.loads(line) for line in logs["plain"] if line.startswith("{") and '"level": "ERROR"' in line]
    assert len(errors) == 1 and errors[0]["errorType"] == runs["plain"].json["errorType"]


LOGGING_APP = """import logging

logger = logging.getLogger("orders")


def handler(event, context):
    logging.info("not shown without a log level")
    logger.warning("stock low: %s", 3)
    logger.info("shown with INFO", extra={"order": 7})
    try:
        {}["id"]
    except KeyError:
        logger.exception("lookup failed")
    return 1
"""


def _normalised_logs(run) -> list[str]:
    """The function's log lines with time stamps, the request id and code paths made comparable."""
    lines = [line for line in run.stderr.splitlines() if not line.startswith(("START ", "END ", "REPORT "))]
    ids = {line.split()[2] for line in run.stderr.splitlines() if line.startswith("START RequestId: ")}
    out = []
    for line in lines:
        for request_id in ids:
            line = line.replace(request_id, "<id>")
        line = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", "<time>", line)
        out.append(line)
    return out


@pytest.mark.parametrize(
    "properties",
    [
        pytest.param("", id="text"),
        pytest.param(
            "      LoggingConfig:\n        LogFormat: JSON\n        ApplicationLogLevel: INFO\n", id="json-info"
        ),
    ],
)
def test_logging_records_are_formatted_as_the_lambda_runtime_does(invoke_cli, lambda_images, tmp_path, properties):
    """The root logger is awslambdaric's: `[LEVEL]\\ttime\\trequest id\\tmessage` (or JSON objects with its fields),
    WARNING and up unless a log level is set."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(LOGGING_APP)
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.11\n{properties}"
    )
    runs = {kind: invoke_cli("--no-event", image=lambda_images[kind], cwd=tmp_path) for kind in ("plain", "python")}
    for run in runs.values():
        assert run.code == 0, run.stderr
    plain, python = (_normalised_logs(runs[kind]) for kind in ("plain", "python"))
    assert plain == python
    if properties:
        records = [json.loads(line) for line in plain if line.startswith("{")]
        assert [record["level"] for record in records] == ["INFO", "WARNING", "INFO", "ERROR"]
        assert records[2]["order"] == 7 and records[2]["logger"] == "orders" and records[2]["requestId"] == "<id>"
        assert records[3]["errorType"] == "KeyError" and records[3]["stackTrace"]
    else:
        assert plain[0] == "[WARNING]\t<time>\t<id>\tstock low: 3", plain
        assert plain[1] == "[ERROR]\t<time>\t<id>\tlookup failed"
        assert not any("not shown" in line or "shown with INFO" in line for line in plain)
