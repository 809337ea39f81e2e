"""`--events` without Docker: reading a script (JSON Lines, a directory, stdin) and one line per result."""

from __future__ import annotations

import io
import json

import pytest

from lambda_dap.cli.render import InvokeRenderer, one_line_result
from lambda_dap.errors import EventError, OptionValueError
from lambda_dap.invoke import build_request
from lambda_dap.invoke.cases import ScriptedEvent, parse_json_lines, read_events

TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: src/}
"""


def test_json_lines_keep_each_events_bytes_and_its_line_number():
    data = b'{"n": 1}\r\n\n   \n  {"n": 2}  \n"text"\n42'
    assert parse_json_lines(data, "cases.jsonl") == (
        ScriptedEvent("cases.jsonl:1", b'{"n": 1}'),
        ScriptedEvent("cases.jsonl:4", b'{"n": 2}'),
        ScriptedEvent("cases.jsonl:5", b'"text"'),
        ScriptedEvent("cases.jsonl:6", b"42"),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{}\n\n{"a": }\n', "--events s.jsonl: line 3 is not valid JSON (Expecting value at column 7)"),
        (b"{}\n{} {}\n", "--events s.jsonl: line 2 is not valid JSON (Extra data at column 4)"),
        (b'{"a":\n1}\n', "--events s.jsonl: line 1 is not valid JSON (Expecting value at column 6)"),
        (b"\xff\n", "--events s.jsonl: line 1 is not valid JSON ("),
    ],
)
def test_a_bad_line_is_named_by_its_number(data, message):
    with pytest.raises(EventError) as raised:
        parse_json_lines(data, "s.jsonl")
    assert raised.value.message.startswith(message)
    assert "\n" not in raised.value.message


def test_an_empty_script_is_an_error(tmp_path):
    for data in (b"", b"\n\n \t\n"):
        with pytest.raises(EventError, match="no events"):
            parse_json_lines(data, "s.jsonl")
    with pytest.raises(EventError, match=r"^--events -: no events \(nothing came on stdin\)"):
        read_events("-", tmp_path, stdin=io.BytesIO(b""))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EventError, match=r"^--events empty: no \.json files in the directory"):
        read_events("empty", tmp_path)


def test_a_directory_gives_its_json_files_in_name_order(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "b.json").write_text('{\n  "n": 2\n}\n')
    (tmp_path / "cases" / "a.json").write_text('{"n": 1}')
    (tmp_path / "cases" / "c.json").mkdir()  # a directory, not an event
    (tmp_path / "cases" / ".hidden.json").write_text("not even JSON")
    (tmp_path / "cases" / "notes.txt").write_text("not an event")
    assert read_events("cases", tmp_path) == (
        ScriptedEvent("cases/a.json", b'{"n": 1}'),
        ScriptedEvent("cases/b.json", b'{\n  "n": 2\n}'),
    )


def test_a_missing_script_is_one_line(tmp_path):
    with pytest.raises(EventError, match=r"^Cannot read --events nope\.jsonl: No such file or directory$"):
        read_events("nope.jsonl", tmp_path)


def test_stdin_is_json_lines(tmp_path):
    assert read_events("-", tmp_path, stdin=io.BytesIO(b'{"n": 1}\n{"n": 2}\n')) == (
        ScriptedEvent("stdin:1", b'{"n": 1}'),
        ScriptedEvent("stdin:2", b'{"n": 2}'),
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    for name in ("SAM_TEMPLATE_FILE", "SAM_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "cases.jsonl").write_text('{"n": 1}\n{"n": 2}\n')
    return tmp_path


def test_build_request_reads_the_script_before_anything_runs(project):
    request = build_request({"events": "cases.jsonl"}, cwd=project, environ={})
    assert [event.data for event in request.events] == [b'{"n": 1}', b'{"n": 2}']
    assert build_request({}, cwd=project, environ={}).events is None


@pytest.mark.parametrize("other", [{"event": "e.json"}, {"no_event": True}])
def test_events_with_event_or_no_event_is_a_usage_error(project, other):
    with pytest.raises(OptionValueError, match=r"^--events and --(event|no-event) cannot be used together$"):
        build_request({"events": "cases.jsonl", **other}, cwd=project, environ={})


def test_an_event_from_samconfig_gives_way_to_events(project):
    config = 'version = 0.1\n[default.local_invoke.parameters]\nevent = "missing.json"\n'
    (project / "samconfig.toml").write_text(config)
    request = build_request({"events": "cases.jsonl"}, cwd=project, environ={})
    assert len(request.events) == 2


def test_stdin_events_say_where_they_are_read_from(project):
    notices: list[str] = []
    request = build_request({"events": "-"}, cwd=project, environ={}, stdin=io.BytesIO(b"{}\n"), notice=notices.append)
    assert request.events == (ScriptedEvent("stdin:1", b"{}"),)
    assert notices == ["Reading events from stdin, one JSON event per line"]


@pytest.mark.parametrize(
    ("payload", "line"),
    [
        (b'{"a": [1, 2.50, 1e3, "x  y\\n\\"z"],\n  "b":\t{}}', b'{"a":[1,2.50,1e3,"x  y\\n\\"z"],"b":{}}'),
        (b'{"a":1}', b'{"a":1}'),
        (b' "text" \n', b'"text"'),
        (b"null", b"null"),
        (b"plain\r\ntext", b'"plain\\r\\ntext"'),
        (b"", b'""'),
        ('"line\u2028separator"'.encode(), b'"line\\u2028separator"'),
        ("not json \u2029".encode(), b'"not json \\u2029"'),
        (b"\xff bytes", '"\ufffd bytes"'.encode()),
    ],
)
def test_a_result_becomes_one_line_of_json(payload, line):
    rendered = one_line_result(payload)
    assert rendered == line
    assert len(rendered.decode().splitlines()) == 1
    json.loads(rendered)


def test_the_renderer_ends_each_result_with_a_newline_in_one_line_mode():
    from lambda_dap.invoke import events
    from lambda_dap.invoke.request import InvocationResult
    from lambda_dap.runtime.outcome import Outcome

    def posted(payload: bytes) -> events.ResultPosted:
        return events.ResultPosted(
            InvocationResult("id", Outcome.SUCCESS, payload, "application/json", None, 1.0, None, 128, None)
        )

    stdout, stderr = io.BytesIO(), io.StringIO()
    with InvokeRenderer(stdout=stdout, stderr=stderr, one_line=True) as render:
        render(posted(b'{"a": 1}'))
        render(posted(b"two\nlines"))
    assert stdout.getvalue() == b'{"a":1}\n"two\\nlines"\n'
    stdout = io.BytesIO()
    with InvokeRenderer(stdout=stdout, stderr=io.StringIO()) as render:
        render(posted(b'{"a": 1}'))
    assert stdout.getvalue() == b'{"a": 1}'  # a single invoke keeps the bytes as posted
