"""A deadline a debugger front end drives: paused while stopped at a breakpoint, resumed on continue, with the
handler's `context.get_remaining_time_in_millis()` standing still meanwhile. Real containers, real debugpy."""

from __future__ import annotations

import json
import threading
import time

import pytest

from lambda_dap.invoke import DebugOptions, InvokeRequest, InvokeSession, Outcome, events
from tests.debug.dap_client import DapClient
from tests.invoke.conftest import KITCHEN, Recorder

pytestmark = pytest.mark.docker

CLOCK = json.dumps({"action": "clock", "seconds": 1.5}).encode()  # longer than Short's Timeout of 1 s


def request(image: str, debug: DebugOptions | None = None) -> InvokeRequest:
    return InvokeRequest(
        template=KITCHEN / "template.yaml",
        function_id="Short",
        invoke_images={None: image},
        skip_pull_image=True,
        debug=debug,
    )


def pause_while_running(
    session: InvokeSession, recorder: Recorder, *, after_s: float, for_s: float, resume: bool = True
) -> threading.Thread:
    """Once the invocation has started: wait `after_s`, pause for `for_s`, then resume (unless told not to)."""

    def drive() -> None:
        deadline = time.monotonic() + 60
        while not recorder.of(events.InvocationStarted) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(after_s)
        session.pause_deadline()
        time.sleep(for_s)
        if resume:
            session.resume_deadline()

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    return thread


def test_paused_clock_stands_still_for_the_handler_on_a_plain_image(lambda_images):
    recorder = Recorder()
    with InvokeSession(request(lambda_images["plain"]), on_event=recorder) as session:
        driver = pause_while_running(session, recorder, after_s=0.2, for_s=0.8)
        result = session.invoke(CLOCK)
        driver.join()
    assert result.ok, result.payload  # 1.5 s of wall time against a 1 s Timeout: 0.8 s of it paused
    clock = json.loads(result.payload)
    assert clock["before"] > 800
    assert clock["before"] - clock["after"] < 1000  # the handler saw ~0.7 s go by, not 1.5 s


def test_resumed_deadline_times_the_function_out(lambda_images):
    recorder = Recorder()
    with InvokeSession(request(lambda_images["python"]), on_event=recorder) as session:
        driver = pause_while_running(session, recorder, after_s=0.2, for_s=0.5)
        started = time.monotonic()
        result = session.invoke(json.dumps({"action": "sleep", "seconds": 5}).encode())
        elapsed = time.monotonic() - started
        driver.join()
    assert result.outcome is Outcome.TIMEOUT
    assert elapsed < 4.5  # the clock ran again after the pause; the 5 s handler did not finish
    assert recorder.of(events.TimedOut)


def test_a_debugger_front_end_pauses_the_context_clock_of_awslambdaric(lambda_images):
    """As the DAP server drives it: no relay, the caller connects to debugpy itself, the Timeout still applies."""
    recorder = Recorder()
    from lambda_dap.invoke.build import free_port

    debug = DebugOptions(ports=(free_port("127.0.0.1"),), relay=False, keep_timeout=True)
    with InvokeSession(request(lambda_images["python"], debug), on_event=recorder) as session:
        session.start()
        (listening,) = recorder.of(events.DebuggerListening)
        assert listening.endpoint.debugger == "debugpy" and listening.endpoint.container_address is not None
        assert {"localRoot": str(KITCHEN / "src"), "remoteRoot": "/var/task"} in listening.endpoint.path_mappings
        client = DapClient(session.connect_debugger(30))
        try:
            client.request("initialize", {"adapterID": "lambda-dap-test", "pathFormat": "path"})
            attach = client.send_request("attach", {"justMyCode": False})
            client.event("initialized")
            client.request("configurationDone")
            client.response(attach)
            driver = pause_while_running(session, recorder, after_s=0.2, for_s=0.8)
            result = session.invoke(CLOCK)
            driver.join()
        finally:
            client.close()
    assert result.ok, result.payload
    clock = json.loads(result.payload)
    assert clock["before"] - clock["after"] < 1000
