"""The library API: a warm `InvokeSession` re-invokes the same container; resets after a timeout; cleans up."""

from __future__ import annotations

import json

import pytest

from lambda_dap.invoke import InvokeRequest, InvokeSession
from lambda_dap.invoke import Outcome
from tests.conftest import SESSION_LABEL
from tests.invoke.conftest import KITCHEN, Recorder, containers_gone

pytestmark = pytest.mark.docker


def request(function_id: str, image: str) -> InvokeRequest:
    return InvokeRequest(template=KITCHEN / "template.yaml", function_id=function_id, invoke_images={None: image},
                         skip_pull_image=True)


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
