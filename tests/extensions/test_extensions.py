"""Lambda extensions under `lambda-dap invoke`: the fixture app tests/apps/extensions, a real Docker engine, the
Lambda-like test image and real awslambdaric.

The numbers in the section titles are the points of the contract lambda-dap implements: (1) extensions start before
the runtime, (2) INVOKE, (3) SHUTDOWN, (4) their output, (5) EXTENSION lines, (6) failures, (7) Telemetry and Logs
APIs, (8) AWS_LAMBDA_EXEC_WRAPPER, (9) ENABLE_LAMBDA_EXTENSIONS_PREVIEW, (10) --shutdown. What each fixture
extension prints is described at the top of its file, under tests/apps/extensions/layers/.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.extensions.conftest import Run

pytestmark = pytest.mark.docker

TIMEOUT_MS = 5000  # the functions' Timeout (Globals of the template)
SHUTDOWN_LIMIT_MS = 2000  # what external extensions get after SHUTDOWN before they are killed
CLOCK_SLACK_MS = 250  # between the moment lambda-dap computes a deadline and the one the extension reads the clock
FAST_FAILURE_S = 8.0  # a failure lambda-dap sees at once: well under the 10 s extension init limit (and Crashes'
# 30 s timeout), so waiting for either instead of noticing the failure fails the test
METRICS = ("durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB")


def extension_line(name: str, events: str = "INVOKE, SHUTDOWN") -> str:
    return f"EXTENSION\tName: {name}\tState: Ready\tEvents: [{events}]"


def assert_no_server_traceback(run: Run) -> None:
    """lambda-dap's own HTTP servers must not print tracebacks (e.g. a client that went away at shutdown)."""
    assert "Exception occurred during processing of request" not in run.stderr, (
        "lambda-dap's HTTP server printed a traceback on stderr:\n" + run.describe()
    )


def ok(run: Run) -> dict:
    assert run.code == 0, run.describe()
    assert_no_server_traceback(run)
    return run.json


def events_of(run: Run, name: str, event_type: str) -> list[dict]:
    """What extension `name` printed as `EVENT {"event": ..., "receivedMs": ...}` for events of that type."""
    printed = [json.loads(rest) for rest in run.said(name, "EVENT")]
    return [item for item in printed if item["event"].get("eventType") == event_type]


def assert_extension_failure(run: Run, error_type: str, name: str) -> None:
    """(6) Exit 3, Lambda's error document alone on stdout, one `[ERROR] <type>: ...` line naming the extension."""
    assert run.code == 3, run.describe()
    document = run.json
    assert document["errorType"] == error_type, run.describe()
    assert isinstance(document.get("errorMessage"), str), document
    lines = [line for line in run.lines if line.startswith(f"[ERROR] {error_type}: ")]
    assert len(lines) == 1, run.describe()
    assert name in lines[0], run.describe()
    assert_no_server_traceback(run)


# --- (1) extensions start before the runtime, in name order, with the function's environment ----------------------


def test_extension_registers_and_waits_in_next_before_the_runtime_starts(invoke_ext):
    run = invoke_ext("PythonExt")
    result = ok(run)
    # The handler's module listed the extension's marks when the runtime imported it: "registered" is left after
    # /register, "next" just before the first /event/next.
    assert result["seenAtInit"] == ["python-ext.next", "python-ext.registered"], run.describe()
    assert len(run.said("python-ext", "STARTED")) == 1, run.describe()


def test_register_answers_with_an_identifier_and_the_function(invoke_ext):
    run = invoke_ext("PythonExt")
    ok(run)
    [registered] = run.said("python-ext", "REGISTERED")
    body, identifier = re.fullmatch(r"(\{.*\}) identifier=(\S+)", registered).groups()
    document = json.loads(body)
    assert document["functionName"] == "PythonExt"
    assert document["functionVersion"] == "$LATEST"
    assert document["handler"] == "app.handler"
    assert identifier != "None"


def test_extension_environment_is_the_functions_without_the_runtimes_variables(invoke_ext):
    run = invoke_ext("PythonExt")
    ok(run)
    [printed] = run.said("python-ext", "ENV")
    env = json.loads(printed)
    for name in ("_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_EXECUTION_ENV"):
        assert env[name] is None, f"{name} must not reach extensions: {env}"
    assert env["FROM_TEMPLATE"] == "template-value"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "PythonExt"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_SAM_LOCAL"] == "true"
    assert env["AWS_REGION"]
    assert re.fullmatch(r"\S+:\d+", env["AWS_LAMBDA_RUNTIME_API"]), env


def test_extensions_start_in_name_order_and_all_are_ready_before_the_runtime(invoke_ext):
    run = invoke_ext("TwoExtensions")
    result = ok(run)
    # beta waits 300 ms before /register and 300 ms more before its first /event/next: the runtime waits for both.
    assert result["seenAtInit"] == ["alpha.next", "alpha.registered", "beta.next", "beta.registered"], run.describe()
    pids = {}
    for name in ("alpha", "beta"):
        [started] = run.said(name, "STARTED")
        pids[name] = int(re.fullmatch(r"pid=(\d+)", started)[1])
        assert extension_line(name) in run.lines, run.describe()
        assert run.said(name, "INVOKE") == [result["requestId"]]
        assert run.said(name, "SHUTDOWN") == ["spindown"]
    # Process ids grow in the order processes are made (a fresh PID namespace): the order their lines reach stderr
    # in is no evidence, their pids are.
    assert pids["alpha"] < pids["beta"], f"alpha must be started before beta (name order): {pids}\n{run.describe()}"
    assert len([line for line in run.lines if line.startswith("EXTENSION\t")]) == 2, run.describe()


def test_only_executable_files_directly_in_opt_extensions_are_extensions(invoke_ext):
    # Two layers merged: shell-ext, and extensions/notes.txt (not executable) with extensions/lib/helper (executable,
    # but in a subdirectory). Starting either would fail the invocation.
    run = invoke_ext("NotExtensions")
    result = ok(run)
    assert not run.said("lib-helper", "STARTED"), run.describe()
    assert [line for line in run.lines if line.startswith("EXTENSION\t")] == [extension_line("shell-ext")], (
        run.describe()
    )
    assert run.said("shell-ext", "INVOKE") == [result["requestId"]], run.describe()


def test_shell_extension_speaking_http_with_curl(invoke_ext):
    run = invoke_ext("ShellExt")
    result = ok(run)
    assert run.said("shell-ext", "INVOKE") == [result["requestId"]], run.describe()
    assert run.said("shell-ext", "SHUTDOWN") == ["spindown"], run.describe()
    assert extension_line("shell-ext") in run.lines, run.describe()


# --- (2) INVOKE ----------------------------------------------------------------------------------------------------


def test_invoke_event_carries_the_handlers_request_id_arn_deadline_and_trace(invoke_ext):
    run = invoke_ext("PythonExt")
    result = ok(run)
    [printed] = events_of(run, "python-ext", "INVOKE")
    event = printed["event"]
    assert event["requestId"] == result["requestId"]
    assert event["invokedFunctionArn"] == result["invokedFunctionArn"]
    assert re.fullmatch(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:PythonExt", event["invokedFunctionArn"])
    assert isinstance(event["deadlineMs"], int)
    remaining = event["deadlineMs"] - printed["receivedMs"]  # epoch milliseconds: the function's 5 s from now
    assert TIMEOUT_MS - 1500 < remaining <= TIMEOUT_MS + CLOCK_SLACK_MS, event
    assert event["tracing"]["type"] == "X-Amzn-Trace-Id"
    assert event["tracing"]["value"] == result["traceId"]
    assert run.said("python-ext", "INVOKE") == [result["requestId"]]


def test_invocation_ends_only_after_the_extension_is_back_in_next(invoke_ext):
    run = invoke_ext("PythonExt", env_vars={"PYTHON_EXT_INVOKE_DELAY_MS": "800"})
    request_id = ok(run)["requestId"]
    # The extension prints INVOKE-DONE 800 ms after the handler returned, then calls /event/next.
    done = run.index(f"python-ext: INVOKE-DONE {request_id}")
    assert run.index(f"handler-marker {request_id}") < done, run.describe()
    end = run.index(f"END RequestId: {request_id}")
    assert done < end < run.index(f"REPORT RequestId: {request_id}"), run.describe()


def test_an_extension_subscribed_only_to_shutdown_gets_no_invoke(invoke_ext):
    run = invoke_ext("ShellExt", env_vars={"SHELL_EXT_EVENTS": '["SHUTDOWN"]'})
    ok(run)
    assert run.said("shell-ext", "INVOKE") == [], run.describe()
    assert run.said("shell-ext", "SHUTDOWN") == ["spindown"], run.describe()
    assert extension_line("shell-ext", "SHUTDOWN") in run.lines, run.describe()


# --- (3) SHUTDOWN --------------------------------------------------------------------------------------------------


def test_shutdown_follows_the_invocation_and_leaves_two_seconds(invoke_ext):
    run = invoke_ext("PythonExt", env_vars={"PYTHON_EXT_SHUTDOWN_DELAY_MS": "1000"})
    result = ok(run)
    [printed] = events_of(run, "python-ext", "SHUTDOWN")
    event = printed["event"]
    assert event["shutdownReason"] == "spindown"
    remaining = event["deadlineMs"] - printed["receivedMs"]
    assert 1000 < remaining <= SHUTDOWN_LIMIT_MS + CLOCK_SLACK_MS, event
    assert run.said("python-ext", "SHUTDOWN") == ["spindown"]
    # It used 1 s of its 2 s: not cut short, and what it printed meanwhile still reached stderr.
    assert run.said("python-ext", "SHUTDOWN-DONE") == [""], run.describe()
    assert run.index(f"REPORT RequestId: {result['requestId']}") < run.index("python-ext: SHUTDOWN spindown")


def test_an_extension_slow_to_shut_down_is_stopped_after_two_seconds(invoke_ext):
    run = invoke_ext("PythonExt", env_vars={"PYTHON_EXT_SHUTDOWN_DELAY_MS": "30000"})
    ok(run)
    assert run.said("python-ext", "SHUTDOWN") == ["spindown"], run.describe()
    assert run.said("python-ext", "SHUTDOWN-DONE") == []
    assert run.seconds < FAST_FAILURE_S, run.describe()  # stopped at the 2 s limit, not after its 30 s


# --- (4) output ----------------------------------------------------------------------------------------------------


def test_extension_output_goes_to_stderr_and_stdout_stays_the_result(invoke_ext):
    run = invoke_ext("PythonExt")
    result = ok(run)  # stdout parses as the result: nothing else is on it
    assert set(result) == {"requestId", "invokedFunctionArn", "traceId", "wrappedBy", "seenAtInit"}
    assert b"python-ext:" not in run.stdout and b"EXTENSION" not in run.stdout
    for text in (
        "python-ext: STARTED",
        "python-ext: to-stderr",
        f"python-ext: INVOKE {result['requestId']}",
        "python-ext: SHUTDOWN spindown",
    ):
        assert text in run.stderr, run.describe()


def test_extension_output_goes_to_the_log_file(invoke_ext, tmp_path):
    log_file = tmp_path / "invoke.log"
    run = invoke_ext("PythonExt", "-l", str(log_file))
    result = ok(run)
    logged = log_file.read_text()
    for text in (
        "python-ext: STARTED",
        "python-ext: to-stderr",
        f"python-ext: INVOKE {result['requestId']}",
        "python-ext: SHUTDOWN spindown",
    ):
        assert text in logged, f"{text!r} not in the log file:\n{logged}"
    assert b"python-ext:" not in run.stdout


# --- (5) EXTENSION lines -------------------------------------------------------------------------------------------


def test_one_extension_line_once_init_is_done(invoke_ext):
    run = invoke_ext("PythonExt")
    result = ok(run)
    assert run.lines.count(extension_line("python-ext")) == 1, run.describe()
    assert run.index(extension_line("python-ext")) < run.index(f"START RequestId: {result['requestId']}")


# --- (6) failures --------------------------------------------------------------------------------------------------


def test_an_extension_that_never_registers_is_a_launch_error(invoke_ext):
    run = invoke_ext("NeverRegisters", env={"LAMBDA_DAP_EXTENSION_INIT_TIMEOUT": "2"})
    assert_extension_failure(run, "Extension.LaunchError", "never-registers")
    assert "never-registers: STARTED" in run.stderr
    assert "handler-marker" not in run.stderr
    assert 2.0 <= run.seconds < FAST_FAILURE_S, run.describe()  # the 2 s limit, not the default 10 s


@pytest.mark.parametrize("crash_at", ["before-register", "after-register"])
def test_an_extension_crashing_during_init(invoke_ext, crash_at):
    run = invoke_ext("Crashes", env_vars={"CRASH_AT": crash_at})
    assert_extension_failure(run, "Extension.Crash", "crasher")
    assert run.said("crasher", "CRASHING") == [crash_at], run.describe()  # its output reaches stderr even so
    assert "handler-marker" not in run.stderr  # the function never ran
    assert run.seconds < FAST_FAILURE_S, run.describe()


def test_an_extension_crashing_during_the_invocation(invoke_ext):
    run = invoke_ext("Crashes", env_vars={"CRASH_AT": "invoke"})
    # The result goes out as soon as the runtime posts it, so stdout holds either it or, when the crash came first,
    # Lambda's error document; either way the crash is reported and fails the command.
    assert run.code == 3, run.describe()
    assert len([line for line in run.lines if line.startswith("[ERROR] Extension.Crash: ")]) == 1, run.describe()
    assert "crasher" in run.stderr
    assert_no_server_traceback(run)
    assert run.said("crasher", "CRASHING") == ["invoke"], run.describe()
    assert run.seconds < FAST_FAILURE_S, run.describe()  # not the function's 30 s timeout


@pytest.mark.parametrize("then", ["exit", "wait"])
def test_an_extension_init_error_fails_with_its_error_type(invoke_ext, then):
    run = invoke_ext("InitError", env_vars={"INIT_ERROR_THEN": then})
    assert_extension_failure(run, "Extension.ConfigInvalid", "init-error")
    assert "handler-marker" not in run.stderr
    assert run.seconds < FAST_FAILURE_S, run.describe()
    [posted] = run.said("init-error", "INIT-ERROR-POSTED")
    assert posted.split()[0] == "202", run.describe()


# --- (7) Telemetry API and Logs API --------------------------------------------------------------------------------


def received(run: Run) -> list[dict]:
    """The records the telemetry extension printed as `TELEMETRY-RECEIVED <json>`."""
    pattern = re.compile(r"TELEMETRY-RECEIVED (\{.*\})$")
    return [json.loads(match[1]) for line in run.lines if (match := pattern.search(line))]


def assert_platform_and_function_records(run: Run, request_id: str) -> None:
    records = received(run)
    assert records, run.describe()
    for record in records:
        assert set(record) == {"time", "type", "record"}, record
        assert isinstance(record["time"], str), record
    function_lines = [json.dumps(r["record"]) for r in records if r["type"] == "function"]
    assert any(f"handler-marker {request_id}" in line for line in function_lines), run.describe()
    # "function" is the function's own output: the extension's lines are not in it (nor fed back to it).
    assert not any("telemetry-ext:" in line for line in function_lines), function_lines
    assert not run.said("telemetry-ext", "FEEDBACK"), run.describe()
    platform = {}
    for kind in ("platform.start", "platform.runtimeDone", "platform.report"):
        mine = [r["record"] for r in records if r["type"] == kind and r["record"].get("requestId") == request_id]
        assert len(mine) == 1, f"{kind} for {request_id}: {mine}\n{run.describe()}"
        platform[kind] = mine[0]
    metrics = platform["platform.report"]["metrics"]
    for key in METRICS:
        assert isinstance(metrics.get(key), (int, float)), metrics
    assert metrics["memorySizeMB"] == 128
    assert 0 < metrics["maxMemoryUsedMB"] <= 128
    assert metrics["billedDurationMs"] >= metrics["durationMs"] > 0
    # The extension waited for platform.report before it exited on SHUTDOWN.
    assert run.said("telemetry-ext", "SHUTDOWN") == ["spindown report-seen=True"], run.describe()


def test_telemetry_api_delivers_platform_and_function_records(invoke_ext):
    run = invoke_ext("Telemetry")
    result = ok(run)
    [subscribed] = run.said("telemetry-ext", "SUBSCRIBED")
    assert subscribed.split()[0] == "200", run.describe()
    assert "TELEMETRY\tName: telemetry-ext\tState: Subscribed\tTypes: [platform, function]" in run.lines, run.describe()
    assert_platform_and_function_records(run, result["requestId"])


def test_logs_api_delivers_platform_and_function_records(invoke_ext):
    run = invoke_ext("LogsApi")
    result = ok(run)
    [subscribed] = run.said("telemetry-ext", "SUBSCRIBED")
    assert subscribed.split()[0] == "200", run.describe()
    assert_platform_and_function_records(run, result["requestId"])


# --- (8) AWS_LAMBDA_EXEC_WRAPPER -----------------------------------------------------------------------------------


def test_exec_wrapper_from_a_layer_wraps_the_runtime(invoke_ext):
    run = invoke_ext("Wrapper")
    assert ok(run)["wrappedBy"] == "wrapper.sh", run.describe()
    assert "wrapper.sh: starting the runtime" in run.stderr
    assert not [line for line in run.lines if line.startswith("EXTENSION\t")], run.describe()


# --- (9) ENABLE_LAMBDA_EXTENSIONS_PREVIEW, (10) --shutdown ---------------------------------------------------------


def assert_extension_ran(run: Run) -> None:
    result = ok(run)
    assert extension_line("python-ext") in run.lines, run.describe()
    assert run.said("python-ext", "INVOKE") == [result["requestId"]], run.describe()
    assert run.said("python-ext", "SHUTDOWN") == ["spindown"], run.describe()


def test_enable_lambda_extensions_preview_changes_nothing(invoke_ext):
    assert_extension_ran(invoke_ext("PythonExt", env={"ENABLE_LAMBDA_EXTENSIONS_PREVIEW": "1"}))


def test_shutdown_option_is_accepted(invoke_ext):
    assert_extension_ran(invoke_ext("PythonExt", "--shutdown"))
