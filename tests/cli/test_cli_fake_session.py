"""`lambda-dap invoke` as its user sees it, with the session faked: no Docker, no container, scripted events.

`FakeSession` stands in for `lambda_dap.invoke.InvokeSession` (the CLI imports it from there when it runs): it keeps
the request the CLI built, replays a scripted list of events to the CLI's `on_event` and returns a result, or
raises what the script says. Arguments go through `gather_nargs_option` as `lambda-dap`'s `main()` sends them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import lambda_dap.invoke
from lambda_dap.cli.main import cli
from lambda_dap.cli.options import gather_nargs_option
from lambda_dap.errors import DockerNotAvailable
from lambda_dap.invoke import events
from lambda_dap.invoke.build import STDIN_NOTICE
from lambda_dap.invoke.request import DebugOptions, InvocationResult, InvokeRequest
from lambda_dap.runtime import report
from lambda_dap.runtime.outcome import Outcome

REQUEST_ID = "1b63552b-151c-4dbd-bcab-0e56a1d45d5b"
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  A: {Type: String, Default: "0"}
  B: {Type: String, Default: "0"}
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: src/}
"""
START = report.start_line(REQUEST_ID)
END = report.end_line(REQUEST_ID)


def result(outcome: Outcome = Outcome.SUCCESS, payload: bytes = b'{"ok": true}', **changes) -> InvocationResult:
    values = dict(
        request_id=REQUEST_ID,
        outcome=outcome,
        payload=payload,
        content_type="application/json",
        error_type=None,
        duration_ms=1.97,
        init_duration_ms=354.78,
        memory_size_mb=256,
        max_memory_used_mb=7,
    )
    values.update(changes)
    return InvocationResult(**values)


REPORTED = events.Reported(
    REQUEST_ID, duration_ms=1.97, memory_size_mb=256, max_memory_used_mb=7, init_duration_ms=354.78
)
REPORT = REPORTED.text


def invocation(*middle: events.Event, answer: InvocationResult | None = None) -> list[events.Event]:
    """START, `middle`, the result, END, REPORT: the order a session reports a plain invocation in."""
    answer = answer or result()
    return [
        events.InvocationStarted(REQUEST_ID),
        *middle,
        events.ResultPosted(answer),
        events.InvocationEnded(REQUEST_ID),
        REPORTED,
    ]


def output(data: bytes, stream: str = "stdout") -> events.FunctionOutput:
    return events.FunctionOutput(stream=stream, data=data)


@dataclass
class Script:
    """What the fake session does: `events` to `on_event`, then `raises` (if set) or returns `answer`."""

    events: list[events.Event] = field(default_factory=invocation)
    answer: InvocationResult = field(default_factory=result)
    raises: BaseException | None = None
    raise_on_create: bool = False
    requests: list[InvokeRequest] = field(default_factory=list)
    closed: int = 0

    @property
    def request(self) -> InvokeRequest:
        (request,) = self.requests
        return request


@pytest.fixture
def script(monkeypatch) -> Script:
    scripted = Script()

    class FakeSession:
        def __init__(self, request: InvokeRequest, *, on_event: events.EventSink = events.ignore) -> None:
            scripted.requests.append(request)
            self._on_event = on_event
            if scripted.raise_on_create and scripted.raises is not None:
                raise scripted.raises

        def __enter__(self) -> FakeSession:
            return self

        def __exit__(self, *exc_info: object) -> None:
            scripted.closed += 1

        def invoke(self, event: bytes | None = None, *, last: bool = False) -> InvocationResult:
            assert event is None and last
            for event_ in scripted.events:
                self._on_event(event_)
            if scripted.raises is not None:
                raise scripted.raises
            return scripted.answer

    monkeypatch.setattr(lambda_dap.invoke, "InvokeSession", FakeSession)
    return scripted


@pytest.fixture
def project(tmp_path, monkeypatch) -> Iterator[Path]:
    """A directory with a one-function template, as the working directory; no SAM settings from the caller."""
    for name in list(os.environ):
        if name.startswith("SAM_") or name == "DEBUGGER_ARGS":
            monkeypatch.delenv(name)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return event\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, gather_nargs_option(["invoke", *args], "--parameter-overrides"), input=stdin)


def stderr_lines(outcome: Result) -> list[str]:
    return outcome.stderr.splitlines()


# --- what the user sees ----------------------------------------------------------------------------------------


def test_the_result_bytes_go_to_stdout_exactly_and_the_platform_lines_to_stderr(project, script):
    payload = b'{"statusCode": 200, "body": "caf\xc3\xa9 \\u2713"}'  # not re-serialised, no newline added
    script.events = invocation(output(b"greeting lambda-dap\n"), answer=result(payload=payload))
    outcome = run()
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout_bytes == payload
    assert stderr_lines(outcome) == [START, "greeting lambda-dap", END, REPORT]
    assert script.closed == 1


def test_function_output_is_cut_into_lines_across_chunks_and_streams(project, script):
    script.events = invocation(
        output(b"one\ntw"),
        output(b"o\nthr"),
        output(b"to stderr\n", "stderr"),
        output(b"ee\n"),
        output("ünï".encode()[:3]),  # a character cut in two
        output("ünï".encode()[3:] + b"\n"),
    )
    outcome = run()
    assert stderr_lines(outcome) == [START, "one", "two", "to stderr", "three", "ünï", END, REPORT]


def test_a_partial_line_is_ended_on_its_own_line_before_end(project, script):
    script.events = invocation(output(b"done, no newline"), output(b"half of stderr", "stderr"))
    outcome = run()
    assert outcome.stderr.endswith("\n")
    lines = stderr_lines(outcome)
    assert lines[0] == START and lines[-2:] == [END, REPORT]
    assert sorted(lines[1:-2]) == ["done, no newline", "half of stderr"]


def test_a_carriage_return_splits_lines_as_sam_shows_them(project, script):
    traceback_ = b'[ERROR] ValueError: bad\rTraceback (most recent call last):\r  File "/var/task/app.py"\r\n'
    script.events = invocation(output(b"windows line\r\n"), output(traceback_))
    outcome = run()
    assert stderr_lines(outcome) == [
        START,
        "windows line",
        "[ERROR] ValueError: bad",
        "Traceback (most recent call last):",
        '  File "/var/task/app.py"',
        END,
        REPORT,
    ]


def test_other_events_print_their_text_in_order(project, script):
    script.events = [
        events.Notice("Downloading layer arn:aws:lambda:us-east-1:123456789012:layer:x:1"),
        events.Warning("the image is arm64; this machine is x86_64"),
        events.ContainerStarted(container_id="c0ffee", image="python:3.12", function="Hello"),
        events.PlatformLog("EXTENSION\tName: noop\tState: Ready\tEvents: [INVOKE, SHUTDOWN]"),
        *invocation(output(b"hi\n")),
    ]
    outcome = run()
    assert stderr_lines(outcome) == [
        "Downloading layer arn:aws:lambda:us-east-1:123456789012:layer:x:1",
        "Warning: the image is arm64; this machine is x86_64",
        "EXTENSION\tName: noop\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
        START,
        "hi",
        END,
        REPORT,
    ]


def test_log_file_gets_the_same_lines_as_stderr(project, script):
    script.events = [events.Warning("careful"), *invocation(output(b"a\rb\nc"), output(b"err\n", "stderr"))]
    (project / "logs").mkdir()
    outcome = run("--log-file", "logs/run.log")
    assert outcome.exit_code == 0, outcome.stderr
    assert script.request.log_file == project / "logs" / "run.log"
    assert (project / "logs" / "run.log").read_text() == outcome.stderr
    assert stderr_lines(outcome)[:5] == ["Warning: careful", START, "a", "b", "err"]


def test_a_log_file_that_cannot_be_opened_is_one_error_line(project, script):
    outcome = run("--log-file", str(project / "missing-dir" / "run.log"))
    assert outcome.exit_code == 1
    assert stderr_lines(outcome) == [
        f"Error: Cannot open --log-file {project / 'missing-dir' / 'run.log'}: No such file or directory"
    ]
    assert outcome.stdout_bytes == b""


# --- exit codes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        pytest.param(result(), 0, id="success"),
        pytest.param(
            result(
                Outcome.FUNCTION_ERROR, b'{"errorMessage": "bad", "errorType": "ValueError"}', error_type="ValueError"
            ),
            3,
            id="function-error",
        ),
        pytest.param(result(Outcome.INIT_ERROR, b'{"errorType": "Runtime.ImportModuleError"}'), 3, id="init-error"),
        pytest.param(result(Outcome.RUNTIME_EXITED, b'{"errorType": "Runtime.ExitError"}'), 3, id="runtime-exited"),
        pytest.param(result(extension_error="Extension.Crash: noop"), 3, id="extension-error"),
        pytest.param(result(Outcome.TIMEOUT, b'{"errorType": "Sandbox.Timedout"}'), 4, id="timeout"),
    ],
)
def test_the_exit_code_comes_from_the_result(project, script, answer, code):
    script.events = invocation(answer=answer)
    script.answer = answer
    outcome = run()
    assert outcome.exit_code == code, outcome.stderr
    assert outcome.stdout_bytes == answer.payload


def test_a_timeout_prints_lambdas_line_before_end(project, script):
    answer = result(Outcome.TIMEOUT, b'{"errorType": "Sandbox.Timedout"}')
    script.events = [
        events.InvocationStarted(REQUEST_ID),
        output(b"working\n"),
        events.TimedOut(REQUEST_ID, 3.0),
        events.ResultPosted(answer),
        events.InvocationEnded(REQUEST_ID),
        REPORTED,
    ]
    script.answer = answer
    outcome = run()
    assert outcome.exit_code == 4
    lines = stderr_lines(outcome)
    assert lines[0] == START and lines[1] == "working"
    assert lines[2].endswith(f" {REQUEST_ID} Task timed out after 3.00 seconds")
    assert lines[3:] == [END, REPORT]


@pytest.mark.parametrize("on_create", [False, True], ids=["while-invoking", "creating-the-session"])
def test_a_lambda_dap_error_is_one_error_line_and_exit_1(project, script, on_create):
    message = "Cannot reach the Docker engine at unix:///var/run/docker.sock: is Docker running? (No such file)"
    script.events = [] if on_create else [events.InvocationStarted(REQUEST_ID), output(b"partial")]
    script.raises, script.raise_on_create = DockerNotAvailable(message), on_create
    outcome = run()
    assert outcome.exit_code == 1
    assert outcome.stdout_bytes == b""
    expected = [] if on_create else [START, "partial"]
    assert stderr_lines(outcome) == [*expected, f"Error: {message}"]
    assert "Traceback" not in outcome.output


def test_an_unexpected_exception_is_one_internal_error_line(project, script):
    script.raises = RuntimeError("boom\nsecond line")
    script.events = []
    outcome = run()
    assert outcome.exit_code == 1
    assert stderr_lines(outcome) == ["Error: internal error: RuntimeError: boom (run with --debug for the traceback)"]


def test_ctrl_c_exits_130(project, script):
    script.events = [events.InvocationStarted(REQUEST_ID)]
    script.raises = KeyboardInterrupt()
    outcome = run()
    assert outcome.exit_code == 130
    assert stderr_lines(outcome) == [START, "Aborted: SIGINT; everything lambda-dap had started is removed."]
    assert script.closed == 1


def test_sigterm_exits_143(project, script):
    import signal

    from lambda_dap.cli.signals import Interrupted

    script.events = []
    script.raises = Interrupted(signal.SIGTERM)
    outcome = run()
    assert outcome.exit_code == 143
    assert stderr_lines(outcome) == ["Aborted: SIGTERM; everything lambda-dap had started is removed."]


def test_bad_event_json_fails_before_any_session(project, script):
    (project / "bad.json").write_text("{not json")
    outcome = run("-e", "bad.json")
    assert outcome.exit_code == 1
    (line,) = stderr_lines(outcome)
    assert line.startswith("Error: Event from bad.json is not valid JSON: ")
    assert script.requests == []


# --- options reach the request ---------------------------------------------------------------------------------


def test_defaults(project, script):
    run()
    request = script.request
    assert request.template == project / "template.yaml"
    assert request.function_id is None
    assert request.event == b"{}"
    assert request.debug is None
    assert request.parameter_overrides == {}
    assert request.invoke_images == {}
    assert (request.skip_pull_image, request.memory_limit, request.log_file) == (False, True, None)


def test_debug_port_and_shell_quoted_debug_args(project, script):
    run("Hello", "-d", "5890", "--debug-args", "-a 'b c'")
    assert script.request.function_id == "Hello"
    assert script.request.debug == DebugOptions(ports=(5890,), debug_args="-a 'b c'")


def test_several_debug_ports_and_the_host_interface(project, script):
    run("-d", "5890", "--debug-port", "9229", "--container-host-interface", "0.0.0.0")
    assert script.request.debug.ports == (5890, 9229)
    assert script.request.debug.host_ip == "0.0.0.0"


def test_parameter_overrides_as_several_tokens(project, script):
    run("--parameter-overrides", "A=1", "B=2", "Hello")
    assert script.request.parameter_overrides == {"A": "1", "B": "2"}
    assert script.request.function_id == "Hello"


def test_parameter_overrides_in_the_long_form(project, script):
    run("--parameter-overrides", "ParameterKey=A,ParameterValue='x y' ParameterKey=B,ParameterValue=2")
    assert script.request.parameter_overrides == {"A": "x y", "B": "2"}


def test_invoke_images_for_every_function_and_for_one(project, script):
    run("--invoke-image", "my-registry:5000/python:3.12", "-ii", "Hello=local/hello:dev", "--skip-pull-image")
    assert script.request.invoke_images == {None: "my-registry:5000/python:3.12", "Hello": "local/hello:dev"}
    assert script.request.skip_pull_image is True


def test_event_from_a_file_is_sent_byte_for_byte(project, script):
    data = b'{\n  "name": "caf\xc3\xa9",\n  "n": 1.50\n}\n'
    (project / "events").mkdir()
    (project / "events" / "event.json").write_bytes(data)
    run("-e", "events/event.json")
    assert script.request.event == data


def test_event_from_stdin(project, script):
    outcome = run("-e", "-", stdin=b'{"from": "stdin"}')
    assert script.request.event == b'{"from": "stdin"}'
    assert stderr_lines(outcome)[0] == STDIN_NOTICE


def test_no_event_wins_over_an_event_file(project, script):
    (project / "event.json").write_text('{"a": 1}')
    run("-e", "event.json", "--no-event")
    assert script.request.event == b"{}"


def test_other_options(project, script):
    (project / "env.json").write_text('{"Hello": {"X": "1"}}')
    run(
        "-n",
        "env.json",
        "--docker-network",
        "my-net",
        "--region",
        "eu-west-1",
        "--profile",
        "dev",
        "--add-host",
        "db.local:10.0.0.5",
        "--container-dns",
        "1.1.1.1",
        "--no-memory-limit",
        "-r",
        "python3.11",
        "-v",
        "/remote/base",
        "--layer-cache-basedir",
        "layers",
        "--force-image-build",
    )
    request = script.request
    assert request.env_vars_file == project / "env.json"
    assert (request.docker_network, request.region, request.profile) == ("my-net", "eu-west-1", "dev")
    assert (request.extra_hosts, request.dns) == ({"db.local": "10.0.0.5"}, ["1.1.1.1"])
    assert (request.memory_limit, request.runtime, request.force_image_build) == (False, "python3.11", True)
    assert request.docker_volume_basedir == Path("/remote/base")
    assert request.layer_cache_dir == project / "layers"


def test_samconfig_in_the_working_directory_fills_options_the_command_line_does_not_give(project, script):
    (project / "samconfig.toml").write_text(
        "version = 0.1\n"
        '[default.global.parameters]\nregion = "eu-central-1"\n'
        '[default.local_invoke.parameters]\nparameter_overrides = "A=from-config"\nskip_pull_image = true\n'
        'invoke_image = ["config/image:1"]\n'
    )
    run()
    assert script.request.region == "eu-central-1"
    assert script.request.parameter_overrides == {"A": "from-config"}
    assert script.request.skip_pull_image is True
    assert script.request.invoke_images == {None: "config/image:1"}
    script.requests.clear()
    run("--region", "us-east-2", "--parameter-overrides", "B=2")
    assert script.request.region == "us-east-2"
    assert script.request.parameter_overrides == {"B": "2"}


def test_a_sam_environment_variable_fills_an_option(project, script, monkeypatch):
    monkeypatch.setenv("SAM_DEBUG_PORT", "5890")
    monkeypatch.setenv("DEBUGGER_ARGS", "--log-to-stderr")
    run()
    assert script.request.debug.ports == (5890,)
    assert script.request.debug.debug_args == "--log-to-stderr"


def test_a_usage_error_exits_2_without_a_session(project, script):
    outcome = run("--debug-port", "not-a-port")
    assert outcome.exit_code == 2
    assert "Invalid value for '-d' / '--debug-port'" in outcome.stderr
    assert script.requests == []
