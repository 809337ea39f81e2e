"""How installing dependencies shows: two stderr lines for `lambda-dap invoke`, a progress bar (or two output lines)
in the editor."""

from __future__ import annotations

import io

from lambda_dap.cli.render import InvokeRenderer
from lambda_dap.dap.output import EventMapper
from lambda_dap.invoke.events import DependencyInstall

STARTED = DependencyInstall("src/requirements.txt", "pip", "python3.12", "arm64")
DONE = DependencyInstall("src/requirements.txt", "pip", "python3.12", "arm64", done=True, seconds=2.345)


def test_the_cli_prints_one_line_when_installing_starts_and_one_with_the_time_when_done():
    stderr = io.StringIO()
    with InvokeRenderer(stdout=io.BytesIO(), stderr=stderr) as render:
        render(STARTED)
        render(DONE)
    assert stderr.getvalue().splitlines() == [
        "Installing dependencies from src/requirements.txt for python3.12 (arm64) with pip ...",
        "Installed dependencies from src/requirements.txt in 2.3 s",
    ]


def test_an_editor_with_progress_support_gets_one_progress_bar():
    sent: list[dict] = []
    mapper = EventMapper(sent.append, progress=True)
    mapper(STARTED)
    mapper(DONE)
    mapper.end_progress()  # nothing left open
    assert [message["event"] for message in sent] == ["progressStart", "progressEnd"]
    start, end = (message["body"] for message in sent)
    assert start["progressId"] == end["progressId"]
    assert start["title"] == "Installing dependencies"
    assert start["message"] == STARTED.text and end["message"] == DONE.text


def test_a_failed_install_ends_its_progress_bar_when_preparing_ends():
    sent: list[dict] = []
    mapper = EventMapper(sent.append, progress=True)
    mapper(STARTED)
    mapper.end_progress()
    assert [message["event"] for message in sent] == ["progressStart", "progressEnd"]


def test_an_editor_without_progress_support_gets_the_lines_as_output():
    sent: list[dict] = []
    mapper = EventMapper(sent.append, progress=False)
    mapper(STARTED)
    mapper(DONE)
    assert [(message["event"], message["body"]["output"]) for message in sent] == [
        ("output", STARTED.text + "\n"),
        ("output", DONE.text + "\n"),
    ]
