"""Each event's `text` is the line `lambda-dap invoke` prints; `InvokeRenderer` prints it (pulls de-duplicated)."""

from __future__ import annotations

import io
import re

import pytest

from lambda_dap.cli.render import InvokeRenderer
from lambda_dap.invoke import events
from lambda_dap.invoke.request import InvocationResult
from lambda_dap.runtime.outcome import Outcome

RID = "8a6f0e0c-2f6a-4c59-a0a5-6d3b0b8f2c11"
IMAGE = "public.ecr.aws/lambda/python:3.12"


def render(*sequence: events.Event, log_file=None) -> tuple[bytes, list[str]]:
    """What the renderer writes: stdout bytes, stderr lines."""
    stdout, stderr = io.BytesIO(), io.StringIO()
    with InvokeRenderer(log_file, stdout=stdout, stderr=stderr) as renderer:
        for event in sequence:
            renderer(event)
    return stdout.getvalue(), stderr.getvalue().splitlines()


# --- the text of each event --------------------------------------------------------------------------------------


def test_start_and_end_lines():
    assert events.InvocationStarted(RID).text == f"START RequestId: {RID} Version: $LATEST"
    assert events.InvocationEnded(RID).text == f"END RequestId: {RID}"


@pytest.mark.parametrize(
    ("figures", "line"),
    [
        pytest.param(
            dict(duration_ms=1.97, memory_size_mb=256, max_memory_used_mb=7, init_duration_ms=354.78),
            f"REPORT RequestId: {RID}\tDuration: 1.97 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\t"
            "Max Memory Used: 7 MB\tInit Duration: 354.78 ms\t",
            id="cold",
        ),
        pytest.param(
            dict(duration_ms=1500.0, memory_size_mb=128, max_memory_used_mb=64),
            f"REPORT RequestId: {RID}\tDuration: 1500.00 ms\tBilled Duration: 1500 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 64 MB\t",
            id="warm",
        ),
        pytest.param(
            dict(duration_ms=0.2, memory_size_mb=10240, max_memory_used_mb=None),
            f"REPORT RequestId: {RID}\tDuration: 0.20 ms\tBilled Duration: 1 ms\tMemory Size: 10240 MB\t"
            "Max Memory Used: ? MB\t",
            id="unmeasured",
        ),
        pytest.param(
            dict(duration_ms=2.001, memory_size_mb=256, max_memory_used_mb=7, init_duration_ms=0.004),
            f"REPORT RequestId: {RID}\tDuration: 2.00 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB\t"
            "Max Memory Used: 7 MB\tInit Duration: 0.00 ms\t",
            id="billed-rounds-up",
        ),
    ],
)
def test_report_line_as_lambda_writes_it(figures, line):
    reported = events.Reported(RID, **figures)
    assert reported.text == line
    assert reported.billed_duration_ms == int(re.search(r"Billed Duration: (\d+) ms", line)[1])


@pytest.mark.parametrize(("timeout_s", "says"), [(3, "3.00"), (0.5, "0.50"), (900.0, "900.00")])
def test_timeout_line(timeout_s, says):
    text = events.TimedOut(RID, timeout_s).text
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {RID} Task timed out after {says} seconds", text
    ), text


def test_messages_of_lambda_dap_and_the_platform():
    assert events.Warning("the image is arm64").text == "Warning: the image is arm64"
    assert events.Notice("Downloading layer x").text == "Downloading layer x"
    line = "EXTENSION\tName: noop\tState: Ready\tEvents: [INVOKE, SHUTDOWN]"
    assert events.PlatformLog(line).text == line


def test_debugger_announcement_is_its_text_when_there_is_one():
    endpoint = events.DebuggerEndpoint(debugger="debugpy", family="python", host="127.0.0.1", port=5890)
    assert events.DebuggerListening(endpoint, "Debugger (debugpy) waiting on 127.0.0.1:5890").text == (
        "Debugger (debugpy) waiting on 127.0.0.1:5890"
    )
    assert events.DebuggerListening(endpoint).text is None


@pytest.mark.parametrize(
    ("pull", "text"),
    [
        pytest.param(events.ImagePull(IMAGE, "Pulling"), f"Pulling image {IMAGE} ...", id="start"),
        pytest.param(
            events.ImagePull(IMAGE, "Downloading", "a1b2c3d4e5f6", 10, 100), "  a1b2c3d4e5f6: Downloading", id="layer"
        ),
        pytest.param(
            events.ImagePull(IMAGE, "Pull complete", "a1b2c3d4e5f6"), "  a1b2c3d4e5f6: Pull complete", id="layer-done"
        ),
        pytest.param(events.ImagePull(IMAGE, "Pulled", done=True), None, id="done"),
    ],
)
def test_image_pull_lines(pull, text):
    assert pull.text == text


def test_events_without_a_line():
    answer = InvocationResult(RID, Outcome.SUCCESS, b"{}", "application/json", None, 1.0, None, 128, 5)
    assert events.FunctionOutput("stdout", b"hello\n").text is None
    assert events.ResultPosted(answer).text is None
    assert events.ContainerStarted("c0ffee", IMAGE, "Hello").text is None


# --- what the renderer prints ------------------------------------------------------------------------------------


def test_the_renderer_prints_each_events_text(tmp_path):
    sequence = [
        events.Notice("Downloading layer x"),
        events.Warning("careful"),
        events.InvocationStarted(RID),
        events.TimedOut(RID, 3.0),
        events.InvocationEnded(RID),
        events.Reported(RID, duration_ms=3001.5, memory_size_mb=128, max_memory_used_mb=20),
    ]
    stdout, lines = render(*sequence, log_file=tmp_path / "log")
    assert stdout == b""
    assert lines == [event.text for event in sequence]
    assert (tmp_path / "log").read_text().splitlines() == lines


def test_the_result_is_written_byte_for_byte_without_a_newline():
    payload = b'"caf\xc3\xa9"'
    answer = InvocationResult(RID, Outcome.SUCCESS, payload, "application/json", None, 1.0, None, 128, 5)
    stdout, lines = render(events.ResultPosted(answer))
    assert stdout == payload
    assert lines == []


def test_output_lines_are_cut_per_source_and_stream_and_ended_before_end():
    _, lines = render(
        events.InvocationStarted(RID),
        events.FunctionOutput("stdout", b"fun"),
        events.FunctionOutput("stdout", b"ction: a\rb\r\n", source="my-extension"),
        events.FunctionOutput("stdout", b"ction out\n"),
        events.FunctionOutput("stderr", b"partial"),
        events.InvocationEnded(RID),
    )
    assert lines == [
        f"START RequestId: {RID} Version: $LATEST",
        "ction: a",
        "b",
        "function out",
        "partial",
        f"END RequestId: {RID}",
    ]


def layer(status: str, layer_id: str, current: int | None = None, total: int | None = None) -> events.ImagePull:
    return events.ImagePull(IMAGE, status, layer_id, current, total)


def test_image_pull_progress_is_one_line_per_layer_and_status():
    _, lines = render(
        events.ImagePull(IMAGE, "Pulling"),
        layer("Pulling fs layer", "aaaaaaaaaaaa"),
        layer("Pulling fs layer", "bbbbbbbbbbbb"),
        layer("Waiting", "bbbbbbbbbbbb"),
        *(layer("Downloading", "aaaaaaaaaaaa", n, 100) for n in range(0, 101, 10)),
        *(layer("Downloading", "bbbbbbbbbbbb", n, 50) for n in range(0, 51, 5)),
        layer("Verifying Checksum", "aaaaaaaaaaaa"),
        layer("Download complete", "aaaaaaaaaaaa"),
        *(layer("Extracting", "aaaaaaaaaaaa", n, 100) for n in range(0, 101, 25)),
        layer("Download complete", "bbbbbbbbbbbb"),
        layer("Pull complete", "aaaaaaaaaaaa"),
        *(layer("Extracting", "bbbbbbbbbbbb", n, 50) for n in range(0, 51, 25)),
        layer("Pull complete", "bbbbbbbbbbbb"),
        events.ImagePull(IMAGE, "Pulled", done=True),
        events.InvocationStarted(RID),
    )
    assert lines == [
        f"Pulling image {IMAGE} ...",
        "  aaaaaaaaaaaa: Pulling fs layer",
        "  bbbbbbbbbbbb: Pulling fs layer",
        "  bbbbbbbbbbbb: Waiting",
        "  aaaaaaaaaaaa: Downloading",
        "  bbbbbbbbbbbb: Downloading",
        "  aaaaaaaaaaaa: Verifying Checksum",
        "  aaaaaaaaaaaa: Download complete",
        "  aaaaaaaaaaaa: Extracting",
        "  bbbbbbbbbbbb: Download complete",
        "  aaaaaaaaaaaa: Pull complete",
        "  bbbbbbbbbbbb: Extracting",
        "  bbbbbbbbbbbb: Pull complete",
        f"START RequestId: {RID} Version: $LATEST",
    ]


def test_the_same_layer_in_two_images_is_shown_for_each():
    other = "public.ecr.aws/lambda/python:3.11"
    _, lines = render(
        events.ImagePull(IMAGE, "Pull complete", "aaaaaaaaaaaa"),
        events.ImagePull(other, "Pull complete", "aaaaaaaaaaaa"),
        events.ImagePull(IMAGE, "Pull complete", "aaaaaaaaaaaa"),
    )
    assert lines == ["  aaaaaaaaaaaa: Pull complete"] * 2


def test_the_engines_messages_about_the_whole_pull_do_not_repeat_its_first_line():
    """The engine reports the pull as a whole without a layer id too: `Digest: ...`, `Status: Downloaded ...`."""
    _, lines = render(
        events.ImagePull(IMAGE, "Pulling"),
        layer("Pulling from lambda/python", "3.12"),
        layer("Pull complete", "aaaaaaaaaaaa"),
        events.ImagePull(IMAGE, "Digest: sha256:" + "0" * 64),
        events.ImagePull(IMAGE, f"Status: Downloaded newer image for {IMAGE}"),
        events.ImagePull(IMAGE, "Pulled", done=True),
    )
    assert lines.count(f"Pulling image {IMAGE} ...") == 1, lines
