"""The library API: a warm `InvokeSession` re-invokes the same container; resets after a timeout; cleans up."""

from __future__ import annotations

import json
import threading

import pytest

from lambda_dap.invoke import InvokeRequest, InvokeSession, Outcome
from tests.conftest import SESSION_LABEL
from tests.invoke.conftest import KITCHEN, Recorder, containers_gone

pytestmark = pytest.mark.docker


def request(function_id: str, image: str) -> InvokeRequest:
    return InvokeRequest(
        template=KITCHEN / "template.yaml", function_id=function_id, invoke_images={None: image}, skip_pull_image=True
    )


def test_warm_invocations_reuse_the_container(lambda_images, docker_client):
    recorder = Recorder()
    with InvokeSession(request("Kitchen", lambda_images["python"]), on_event=recorder) as session:
        first = session.invoke(b'{"action": "env", "names": ["HOSTNAME"]}')
        second = session.invoke(b'{"action": "env", "names": ["HOSTNAME"]}')
        assert first.ok and second.ok
        assert json.loads(first.payload) == json.loads(second.payload)  # the same container answered
        assert first.init_duration_ms is not None and second.init_duration_ms is None
        assert sum(line.startswith("REPORT RequestId") for line in recorder.lines) == 2
        mine = {"label": ["lambda-dap.function=Kitchen", SESSION_LABEL]}
        assert len(docker_client.api.containers(filters=mine)) == 1
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_a_timeout_resets_the_sandbox(lambda_images):
    with InvokeSession(request("Short", lambda_images["python"])) as session:
        slow = session.invoke(b'{"action": "sleep", "seconds": 5}')
        assert slow.outcome is Outcome.TIMEOUT
        after = session.invoke(b'{"action": "echo"}')
        assert after.ok
        assert after.init_duration_ms is not None  # a cold start in a new container


def test_paused_deadline_does_not_time_the_function_out(lambda_images):
    import threading

    with InvokeSession(request("Short", lambda_images["python"])) as session:
        session.start()
        pauser = threading.Timer(0.4, session.pause_deadline)  # the handler is sleeping by then
        pauser.start()
        result = session.invoke(b'{"action": "sleep", "seconds": 1.5}')
        pauser.join()
        assert result.ok, result.payload  # 1.5 s of work, a 1 s Timeout, but the clock stopped at 0.4 s


def test_cancel_from_another_thread_ends_the_invocation_and_resets_the_sandbox(lambda_images, docker_client):
    import time

    from lambda_dap.errors import InvocationCancelled
    from lambda_dap.invoke import events

    recorder = Recorder()
    with InvokeSession(request("Kitchen", lambda_images["python"]), on_event=recorder) as session:
        outcome: list[BaseException] = []

        def run() -> None:
            try:
                session.invoke(b'{"action": "sleep", "seconds": 30}')
            except BaseException as error:
                outcome.append(error)

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 30
        while not recorder.of(events.InvocationStarted) and time.monotonic() < deadline:
            time.sleep(0.01)
        cancelled_at = time.monotonic()
        session.cancel()
        worker.join(10)
        assert not worker.is_alive() and time.monotonic() - cancelled_at < 5
        assert len(outcome) == 1 and isinstance(outcome[0], InvocationCancelled)
        after = session.invoke(b'{"action": "echo"}')
        assert after.ok and after.init_duration_ms is not None  # a new container
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_a_function_given_without_a_template(lambda_images, tmp_path):
    from lambda_dap.invoke import CodeTarget, build_request

    request = build_request(
        {
            "handler": "app.handler",
            "code_dir": str(KITCHEN / "src"),
            "runtime": "python3.11",
            "timeout_s": 7,
            "memory_mb": 256,
            "environment": {"GREETING": "hi"},
            "invoke_image": (lambda_images["python"],),
            "skip_pull_image": True,
        },
        cwd=tmp_path,
        environ={},
    )
    assert isinstance(request.code, CodeTarget)
    with InvokeSession(request) as session:
        env = session.invoke(b'{"action": "env", "names": ["GREETING", "AWS_LAMBDA_FUNCTION_TIMEOUT"]}')
        context = session.invoke(b'{"action": "context"}')
    assert json.loads(env.payload) == {"GREETING": "hi", "AWS_LAMBDA_FUNCTION_TIMEOUT": "7"}
    assert json.loads(context.payload)["memory_limit_in_mb"] == "256"


def test_connect_debugger_without_a_debug_port_is_a_clear_error(lambda_images):
    from lambda_dap.errors import DebuggerError

    with InvokeSession(request("Kitchen", lambda_images["python"])) as session:
        session.start()
        with pytest.raises(DebuggerError, match="not started with a debug port"):
            session.connect_debugger(1)
