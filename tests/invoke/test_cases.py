"""`lambda-dap invoke --events`: a script of events in one warm container, on real containers and awslambdaric."""

from __future__ import annotations

import json
import os
import re
import signal
import time

import pytest

from tests.invoke.conftest import KITCHEN, clean_environment, containers_gone, start_invoke

pytestmark = pytest.mark.docker

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]
HOSTNAME = {"action": "env", "names": ["HOSTNAME"]}  # Docker sets it to the container's id: which container ran it
RESET = "the sandbox is reset, as Lambda does; the next invocation starts cold in a new container"


def json_lines(*documents) -> str:
    return "".join(json.dumps(document) + "\n" for document in documents)


def result_lines(run) -> list:
    assert run.stdout.endswith(b"\n"), run.stdout
    return [json.loads(line) for line in run.stdout.split(b"\n")[:-1]]


def init_durations(stderr: str) -> int:
    return len(re.findall(r"^REPORT RequestId: .*Init Duration: ", stderr, re.MULTILINE))


def test_a_failing_case_in_the_middle_does_not_stop_the_script(invoke_cli, tmp_path):
    script = tmp_path / "cases.jsonl"
    script.write_text(json_lines(HOSTNAME, {"action": "raise", "message": "case two fails"}, HOSTNAME))
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(script))
    assert run.code == 3, run.stderr
    first, error, third = result_lines(run)
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "case two fails"
    assert first == third and first["HOSTNAME"]  # the third ran, in the same container
    assert run.stderr.count("START RequestId") == 3 and run.stderr.count("END RequestId") == 3
    assert init_durations(run.stderr) == 1  # one cold start for the whole script
    assert "[ERROR] ValueError: case two fails" in run.stderr


def test_all_events_run_in_one_warm_container(invoke_cli, tmp_path, docker_client):
    script = tmp_path / "cases.jsonl"
    script.write_text(json_lines(*[HOSTNAME] * 5))
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(script))
    assert run.code == 0, run.stderr
    lines = result_lines(run)
    assert len(lines) == 5 and len({line["HOSTNAME"] for line in lines}) == 1
    assert init_durations(run.stderr) == 1
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_a_timeout_exits_4_over_a_function_error_and_the_next_event_starts_cold(invoke_cli, tmp_path):
    script = tmp_path / "cases.jsonl"
    script.write_text(
        json_lines(HOSTNAME, {"action": "raise"}, {"action": "sleep", "seconds": 30}, HOSTNAME, {"action": "echo"})
    )
    run = invoke_cli("Short", *TEMPLATE, "--events", str(script))
    assert run.code == 4, run.stderr
    before, error, timeout, after, echo = result_lines(run)
    assert error["errorType"] == "ValueError"
    assert timeout["errorType"] == "Sandbox.Timedout"
    assert timeout["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert before["HOSTNAME"] != after["HOSTNAME"]  # a new container after the timeout
    assert echo["event"] == {"action": "echo"}
    assert f"The invocation timed out: {RESET}" in run.stderr
    assert init_durations(run.stderr) == 2


def test_a_runtime_crash_in_the_middle_resets_the_sandbox_and_the_script_goes_on(invoke_cli, tmp_path):
    script = tmp_path / "cases.jsonl"
    script.write_text(json_lines(HOSTNAME, {"action": "exit", "code": 7}, HOSTNAME))
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(script))
    assert run.code == 3, run.stderr
    before, crash, after = result_lines(run)
    assert crash["errorType"] == "Runtime.ExitError" and "exit status 7" in crash["errorMessage"]
    assert before["HOSTNAME"] != after["HOSTNAME"]
    lines = run.stderr.splitlines()
    notice = lines.index(f"The runtime exited: {RESET}")
    assert lines[notice - 1].startswith("REPORT RequestId") and lines[notice + 1].startswith("START RequestId")
    assert init_durations(run.stderr) == 2


def test_the_readmes_example_script(invoke_cli):
    hello = KITCHEN.parents[2] / "examples" / "hello"
    run = invoke_cli("--events", "events/cases.jsonl", cwd=hello)
    assert run.code == 3, run.stderr
    first, error, third = result_lines(run)
    assert json.loads(first["body"])["message"] == "Hello, a!"
    assert error["errorType"] == "AttributeError"
    assert json.loads(third["body"])["message"] == "Hello, c!"


def test_a_directory_runs_its_json_files_in_name_order(invoke_cli, tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("02-second.json", "10-third.json", "01-first.json"):
        (cases / name).write_text(json.dumps({"action": "echo", "case": name}, indent=2))  # several lines each
    (cases / "README.md").write_text("not an event")
    (cases / ".03-hidden.json").write_text("{}")
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(cases))
    assert run.code == 0, run.stderr
    assert [line["event"]["case"] for line in result_lines(run)] == ["01-first.json", "02-second.json", "10-third.json"]


def test_events_from_stdin(invoke_cli):
    run = invoke_cli(
        "Kitchen", *TEMPLATE, "--events", "-", stdin=b'{"action": "echo", "n": 1}\n\n{"action": "echo", "n": 2}'
    )
    assert run.code == 0, run.stderr
    assert [line["event"]["n"] for line in result_lines(run)] == [1, 2]
    assert "Reading events from stdin, one JSON event per line" in run.stderr


def test_every_result_is_one_line_whatever_the_function_returns(invoke_cli, tmp_path):
    script = tmp_path / "cases.jsonl"
    script.write_text(
        json_lines(
            {"action": "bytes", "text": "not json,\nover two lines"},
            {"action": "bytes", "text": '{\n  "pretty": [1, 2.50],\n  "text": "a  b"\n}'},
            {"action": "echo", "text": "héllo ✓"},
        )
    )
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(script))
    assert run.code == 0, run.stderr
    lines = run.stdout.split(b"\n")
    assert len(lines) == 4 and lines[-1] == b""
    assert json.loads(lines[0]) == "not json,\nover two lines"
    assert lines[1] == b'{"pretty":[1,2.50],"text":"a  b"}'  # whitespace between tokens gone, the rest as written
    assert json.loads(lines[2])["event"]["text"] == "héllo ✓"


def test_a_malformed_line_is_reported_before_any_container_starts(invoke_cli, tmp_path, docker_client):
    script = tmp_path / "cases.jsonl"
    script.write_text('{"action": "echo"}\n\n{"action": "echo",}\n{"action": "echo"}\n')
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(script))
    assert run.code == 1
    assert run.stdout == b""
    assert run.stderr.splitlines() == [
        f"Error: --events {script}: line 3 is not valid JSON (Expecting property name enclosed in double quotes at "
        "column 19); one JSON event per line"
    ]
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_a_malformed_file_in_a_directory_is_named(invoke_cli, tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.json").write_text("{}")
    (cases / "b.json").write_text('{"unfinished": ')
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(cases))
    assert run.code == 1 and run.stdout == b""
    assert run.stderr.splitlines() == [
        f"Error: --events {cases}/b.json is not valid JSON (Expecting value at line 1 column 16); "
        "expected one event per file"
    ]


def test_an_empty_script_is_one_clear_line(invoke_cli, tmp_path):
    script = tmp_path / "cases.jsonl"
    script.write_text("\n  \n")
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(script))
    assert run.code == 1 and run.stdout == b""
    assert run.stderr.splitlines() == [
        f"Error: --events {script}: no events (the file is empty or holds only blank lines); "
        "expected one JSON event per line"
    ]


def test_events_with_event_is_a_usage_error(invoke_cli, tmp_path, event_file):
    script = tmp_path / "cases.jsonl"
    script.write_text("{}\n")
    run = invoke_cli("Kitchen", *TEMPLATE, "--events", str(script), "-e", event_file({}))
    assert run.code == 2 and run.stdout == b""
    assert run.stderr.splitlines() == ["Error: --events and --event cannot be used together"]


def test_ctrl_c_mid_script_exits_130_and_leaves_nothing(tmp_path, lambda_images, docker_client):
    home = tmp_path / "home"
    home.mkdir()
    script = tmp_path / "cases.jsonl"
    script.write_text(json_lines({"action": "echo"}, {"action": "sleep", "seconds": 60}, {"action": "echo"}))
    process = start_invoke(
        "Kitchen", *TEMPLATE, "--events", str(script), image=lambda_images["python"], env=clean_environment(home)
    )
    try:
        first = process.stdout.readline()  # the first case is done: the script is under way
        assert json.loads(first)["event"] == {"action": "echo"}
        os.kill(process.pid, signal.SIGINT)
        rest, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr.decode()
    assert rest == b""  # the interrupted case and the one after it printed nothing
    assert "Traceback" not in stderr.decode()
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_the_debugger_stays_attached_across_the_events(tmp_path, lambda_images, docker_client):
    from tests.debug.test_python import DebuggedInvoke, attach_and_break, line_of, local_variables, port_is_free

    script = tmp_path / "cases.jsonl"
    script.write_text(json_lines({"action": "echo", "n": 1}, {"action": "echo", "n": 2}))
    session = DebuggedInvoke(["Kitchen", *TEMPLATE, "--events", str(script)], lambda_images["python"], tmp_path)
    app = KITCHEN / "src" / "app.py"
    client, stopped = attach_and_break(session, app, line_of(app, '"requestId": context.aws_request_id'))
    try:
        _, variables = local_variables(client, stopped["threadId"])
        assert variables["event"] == "{'action': 'echo', 'n': 1}"
        client.request("continue", {"threadId": stopped["threadId"]})
        again = client.event("stopped", timeout=60)["body"]  # the second event, the same debug session
        _, variables = local_variables(client, again["threadId"])
        assert variables["event"] == "{'action': 'echo', 'n': 2}"
        client.request("continue", {"threadId": again["threadId"]})
        code, stdout, stderr = session.finish()
    finally:
        client.close()
    assert code == 0, stderr
    assert [json.loads(line)["event"]["n"] for line in stdout.splitlines()] == [1, 2]
    assert stderr.count("waiting for a client") == 1  # one container, one debugger
    assert port_is_free(session.port)
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_after_a_crash_a_debugged_script_waits_for_the_debugger_again(tmp_path, lambda_images, docker_client):
    from tests.debug.test_python import DebuggedInvoke, attach_and_break, line_of, port_is_free

    script = tmp_path / "cases.jsonl"
    script.write_text(json_lines({"action": "exit", "code": 5}, {"action": "echo", "n": 2}))
    session = DebuggedInvoke(["Kitchen", *TEMPLATE, "--events", str(script)], lambda_images["python"], tmp_path)
    app = KITCHEN / "src" / "app.py"
    first, stopped = attach_and_break(session, app, line_of(app, "os._exit("))
    first.send_request("continue", {"threadId": stopped["threadId"]})  # no answer: the runtime exits at once
    deadline = time.monotonic() + 60
    while sum("waiting for a client" in line for line in session.stderr_lines) < 2:  # the new container's debugger
        assert time.monotonic() < deadline and session.process.poll() is None, "\n".join(session.stderr_lines)
        time.sleep(0.05)
    first.close()
    second, stopped = attach_and_break(session, app, line_of(app, '"requestId": context.aws_request_id'))
    try:
        second.request("continue", {"threadId": stopped["threadId"]})
        code, stdout, stderr = session.finish()
    finally:
        second.close()
    assert code == 3, stderr
    crash, echo = (json.loads(line) for line in stdout.splitlines())
    assert crash["errorType"] == "Runtime.ExitError" and echo["event"]["n"] == 2
    assert f"The runtime exited: {RESET}" in stderr
    assert port_is_free(session.port)
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")
