"""The Runtime API server on 127.0.0.1, with a test client playing the runtime's bootstrap (no Docker)."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from lambda_dap.runtime.api import RuntimeApi, RuntimeApiServer
from lambda_dap.runtime.invocation import MAX_RESPONSE_BYTES, Invocation, Outcome

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


@pytest.fixture
def server():
    started: list[str] = []
    api = RuntimeApi(on_start=lambda invocation: started.append(invocation.request_id))
    server = RuntimeApiServer(api, "127.0.0.1").start()
    server.started = started
    yield server
    server.close()


def runtime_call(server, method, path, body=None, headers=None, timeout=10):
    host, port = server.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    connection.request(method, "/2018-06-01/runtime" + path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def submit(server, event=b'{"k": 1}', timeout_s=3.0) -> Invocation:
    invocation = Invocation(event=event, timeout_s=timeout_s, function_arn=ARN)
    server.api.submit(invocation)
    return invocation


def test_next_hands_out_the_event_with_lambdas_headers(server):
    invocation = submit(server)
    before_ms = int(time.time() * 1000)
    response, body = runtime_call(server, "GET", "/invocation/next")
    assert response.status == 200
    assert body == b'{"k": 1}'
    assert response.getheader("Lambda-Runtime-Aws-Request-Id") == invocation.request_id
    assert response.getheader("Lambda-Runtime-Invoked-Function-Arn") == ARN
    assert response.getheader("Lambda-Runtime-Trace-Id").startswith("Root=1-")
    deadline = int(response.getheader("Lambda-Runtime-Deadline-Ms"))
    assert before_ms + 2_900 <= deadline <= before_ms + 3_500
    assert server.started == [invocation.request_id]
    assert invocation.handed_out and not invocation.done


def test_next_waits_until_an_event_is_submitted(server):
    answers = []
    poller = threading.Thread(target=lambda: answers.append(runtime_call(server, "GET", "/invocation/next")))
    poller.start()
    assert server.api.waiting_in_next.wait(5)
    assert answers == []
    invocation = submit(server)
    poller.join(5)
    assert answers[0][0].getheader("Lambda-Runtime-Aws-Request-Id") == invocation.request_id


def test_response_completes_the_invocation(server):
    invocation = submit(server)
    runtime_call(server, "GET", "/invocation/next")
    response, _ = runtime_call(
        server, "POST", f"/invocation/{invocation.request_id}/response", b'"ok"', {"Content-Type": "application/json"}
    )
    assert response.status == 202
    assert invocation.wait(1)
    assert invocation.outcome is Outcome.SUCCESS
    assert invocation.payload == b'"ok"'


def test_chunked_response_body(server):
    invocation = submit(server)
    runtime_call(server, "GET", "/invocation/next")
    host, port = server.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request(
        "POST",
        f"/2018-06-01/runtime/invocation/{invocation.request_id}/response",
        body=iter([b'{"a": ', b"1}"]),
        encode_chunked=True,
    )
    assert connection.getresponse().status == 202
    assert invocation.wait(1) and invocation.payload == b'{"a": 1}'


def test_unknown_request_id_is_refused(server):
    submit(server)
    runtime_call(server, "GET", "/invocation/next")
    response, body = runtime_call(server, "POST", "/invocation/not-the-id/response", b"{}")
    assert response.status == 400
    assert json.loads(body)["errorType"] == "InvalidRequestID"


def test_error_keeps_the_runtimes_document_and_type(server):
    invocation = submit(server)
    runtime_call(server, "GET", "/invocation/next")
    document = {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}
    response, _ = runtime_call(
        server,
        "POST",
        f"/invocation/{invocation.request_id}/error",
        json.dumps(document).encode(),
        {"Lambda-Runtime-Function-Error-Type": "Unhandled"},
    )
    assert response.status == 202
    assert invocation.outcome is Outcome.FUNCTION_ERROR
    assert json.loads(invocation.payload) == document
    assert invocation.error_type == "Unhandled"


def test_init_error_fails_the_waiting_and_the_later_invocations(server):
    waiting = submit(server)
    document = {"errorMessage": "Unable to import module 'app'", "errorType": "Runtime.ImportModuleError"}
    response, _ = runtime_call(server, "POST", "/init/error", json.dumps(document).encode())
    assert response.status == 202
    assert waiting.outcome is Outcome.INIT_ERROR
    assert waiting.error_type == "Runtime.ImportModuleError"
    later = submit(server)
    assert later.outcome is Outcome.INIT_ERROR


def test_oversized_response_is_a_function_error(server):
    invocation = submit(server)
    runtime_call(server, "GET", "/invocation/next")
    response, _ = runtime_call(
        server, "POST", f"/invocation/{invocation.request_id}/response", b"x" * (MAX_RESPONSE_BYTES + 1)
    )
    assert response.status == 413
    assert invocation.error_type == "Function.ResponseSizeTooLarge"


def test_after_closing_a_waiting_runtime_gets_no_answer_until_it_hangs_up(server):
    """An answer (Lambda's runtimes log a 410 as an error with a traceback) would be noise after the last END; the
    runtime simply waits, as in Lambda, until its container goes (here: until the client hangs up)."""
    import socket

    host, port = server.address.split(":")
    runtime = socket.create_connection((host, int(port)), timeout=5)
    runtime.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
    assert server.api.waiting_in_next.wait(5)
    server.api.close()
    runtime.settimeout(0.5)
    with pytest.raises(socket.timeout):
        runtime.recv(1)  # nothing comes
    runtime.close()  # the container went: the server lets the request go (no thread left waiting on it)
    deadline = time.monotonic() + 5
    while (
        any(t.name.startswith("Thread") and t.is_alive() and "process_request" in t.name for t in threading.enumerate())
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert not [t for t in threading.enumerate() if "process_request" in t.name and t.is_alive()]


def test_unknown_path_is_404(server):
    response, _ = runtime_call(server, "GET", "/nope")
    assert response.status == 404
