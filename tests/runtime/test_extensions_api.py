"""The Extensions and Telemetry APIs over real HTTP on 127.0.0.1, with test clients playing the extensions."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lambda_dap.runtime.api import RuntimeApi, RuntimeApiServer
from lambda_dap.runtime.extensions import ExtensionsApi
from lambda_dap.runtime.telemetry import TelemetryApi


@pytest.fixture
def server():
    extensions = ExtensionsApi(
        function_name="fn", function_version="$LATEST", handler="app.handler", account_id="123456789012"
    )
    extensions.names_source = lambda: ["ext-a", "ext-b"]
    telemetry = TelemetryApi(lambda host: "127.0.0.1")
    server = RuntimeApiServer(RuntimeApi(), "127.0.0.1", extensions=extensions, telemetry=telemetry).start()
    yield server
    server.close()


def call(server, method, path, body=b"", headers=None, timeout=5):
    host, port = server.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, json.loads(data) if data else None


def register(server, name, events=("INVOKE", "SHUTDOWN"), **headers):
    return call(
        server,
        "POST",
        "/2020-01-01/extension/register",
        json.dumps({"events": list(events)}).encode(),
        {"Lambda-Extension-Name": name, **headers},
    )


def test_register_answers_with_an_identifier_and_the_function(server):
    response, body = register(server, "ext-a", **{"Lambda-Extension-Accept-Feature": "accountId"})
    assert response.status == 200
    uuid.UUID(response.getheader("Lambda-Extension-Identifier"))
    assert body == {
        "functionName": "fn",
        "functionVersion": "$LATEST",
        "handler": "app.handler",
        "accountId": "123456789012",
    }


@pytest.mark.parametrize(
    "headers, body, error_type",
    [
        ({}, b'{"events": []}', "Extension.InvalidExtensionName"),
        ({"Lambda-Extension-Name": "ext-a"}, b"{not json", "InvalidRequestFormat"),
        ({"Lambda-Extension-Name": "ext-a"}, b'{"events": ["BOOT"]}', "Extension.InvalidEventType"),
        ({"Lambda-Extension-Name": "internal"}, b'{"events": ["SHUTDOWN"]}', "Extension.InvalidEventType"),
    ],
)
def test_bad_registrations_get_lambdas_errors(server, headers, body, error_type):
    response, answer = call(server, "POST", "/2020-01-01/extension/register", body, headers)
    assert response.status == 403
    assert answer["errorType"] == error_type


def test_twice_late_and_too_many_registrations_are_refused(server):
    register(server, "ext-a")
    assert register(server, "ext-a")[1]["errorType"] == "Extension.InvalidExtensionState"
    for number in range(9):
        assert register(server, f"internal-{number}", events=("INVOKE",))[0].status == 200
    assert register(server, "one-too-many", events=())[1]["errorType"] == "Extension.TooManyExtensions"
    server.extensions.close_registration()
    assert register(server, "ext-b")[1]["errorType"] == "Extension.RegistrationClosed"


@pytest.mark.parametrize(
    "identifier, error_type",
    [
        (None, "Extension.MissingExtensionIdentifier"),
        ("not-a-uuid", "Extension.InvalidExtensionIdentifier"),
        (str(uuid.uuid4()), "Extension.UnknownExtensionIdentifier"),
    ],
)
def test_event_next_needs_a_known_identifier(server, identifier, error_type):
    headers = {"Lambda-Extension-Identifier": identifier} if identifier else {}
    response, body = call(server, "GET", "/2020-01-01/extension/event/next", headers=headers)
    assert response.status == 403
    assert body["errorType"] == error_type


def test_invoke_reaches_subscribers_and_waits_for_them_to_come_back(server):
    identifier = register(server, "ext-a")[0].getheader("Lambda-Extension-Identifier")
    received = []

    def poll():
        received.append(
            call(
                server,
                "GET",
                "/2020-01-01/extension/event/next",
                headers={"Lambda-Extension-Identifier": identifier},
                timeout=10,
            )[1]
        )

    poller = threading.Thread(target=poll)
    poller.start()
    assert server.extensions.wait_ready({"ext-a"}, 5) == set()
    event = {"eventType": "INVOKE", "requestId": "r-1", "deadlineMs": 1, "invokedFunctionArn": "arn"}
    assert server.extensions.dispatch(event, "INVOKE") == ["ext-a"]
    poller.join(5)
    assert received == [event]
    assert not server.extensions.wait_back("r-1", 0.2)  # it has not come back to event/next yet
    poller = threading.Thread(target=poll)
    poller.start()
    assert server.extensions.wait_back("r-1", 5)
    server.extensions.dispatch(
        {"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": 2}, "SHUTDOWN", external_only=True
    )
    poller.join(5)
    assert received[-1]["shutdownReason"] == "spindown"


def test_init_error_fails_with_the_extensions_own_type(server):
    identifier = register(server, "ext-a")[0].getheader("Lambda-Extension-Identifier")
    response, _ = call(
        server, "POST", "/2020-01-01/extension/init/error", b"{}", {"Lambda-Extension-Identifier": identifier}
    )
    assert response.status == 403  # the error type header is required
    response, _ = call(
        server,
        "POST",
        "/2020-01-01/extension/init/error",
        b"{}",
        {"Lambda-Extension-Identifier": identifier, "Lambda-Extension-Function-Error-Type": "Extension.ConfigInvalid"},
    )
    assert response.status == 202
    assert server.extensions.failure.error_type == "Extension.ConfigInvalid"
    assert server.extensions.failure.extension == "ext-a"


class _Collector(BaseHTTPRequestHandler):
    batches: list = []

    def do_POST(self):
        self.batches.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_telemetry_subscriber_receives_batches(server):
    collector = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    _Collector.batches = []
    try:
        identifier = register(server, "ext-a")[0].getheader("Lambda-Extension-Identifier")
        subscription = {
            "schemaVersion": "2022-12-13",
            "types": ["platform", "function"],
            "buffering": {"timeoutMs": 25},
            "destination": {"protocol": "HTTP", "URI": f"http://sandbox.localdomain:{collector.server_port}/in"},
        }
        response, body = call(
            server,
            "PUT",
            "/2022-07-01/telemetry",
            json.dumps(subscription).encode(),
            {"Lambda-Extension-Identifier": identifier},
        )
        assert (response.status, body) == (200, "OK")
        server.telemetry.record("function", "function", "hello from the handler")
        server.telemetry.record("extension", "extension", "not subscribed")
        server.telemetry.record("platform", "platform.start", {"requestId": "r-1"})
        deadline = time.monotonic() + 5
        while sum(len(b) for b in _Collector.batches) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        records = [item for batch in _Collector.batches for item in batch]
        assert [(r["type"], r["record"]) for r in records] == [
            ("function", "hello from the handler"),
            ("platform.start", {"requestId": "r-1"}),
        ]
    finally:
        collector.shutdown()
        collector.server_close()


@pytest.mark.parametrize(
    "document",
    [
        {"types": ["platform"], "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:9001/"}},
        {"types": ["gossip"], "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:8080/"}},
        {
            "schemaVersion": "1999-01-01",
            "types": ["platform"],
            "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:8080/"},
        },
    ],
)
def test_bad_subscriptions_are_validation_errors(server, document):
    identifier = register(server, "ext-a")[0].getheader("Lambda-Extension-Identifier")
    response, body = call(
        server,
        "PUT",
        "/2022-07-01/telemetry",
        json.dumps(document).encode(),
        {"Lambda-Extension-Identifier": identifier},
    )
    assert response.status == 400
    assert body["errorType"] == "ValidationError"
