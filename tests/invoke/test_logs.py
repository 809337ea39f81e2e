"""Exact log capture: every byte a function writes before it answers arrives before END, in order, partial lines
included, cold and warm, on the Lambda-like image (awslambdaric) and on a plain one (lambda-dap's runtime client)."""

from __future__ import annotations

import json

import pytest

from lambda_dap.invoke import InvokeRequest, InvokeSession, events
from tests.invoke.conftest import KITCHEN, Recorder

pytestmark = pytest.mark.docker

WRITES = [
    ["stdout", "first "],
    ["stdout", "line\nsecond"],
    ["stderr", "warn"],
    ["stdout", " part\n"],
    ["stderr", "ing\n"],
    ["stdout", "done"],
]


def session(image: str, recorder: Recorder, function: str = "Kitchen") -> InvokeSession:
    request = InvokeRequest(
        template=KITCHEN / "template.yaml", function_id=function, invoke_images={None: image}, skip_pull_image=True
    )
    return InvokeSession(request, on_event=recorder)


def written(recorder: Recorder, events_slice: list) -> dict[str, bytes]:
    streams: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    for event in events_slice:
        if isinstance(event, events.FunctionOutput) and event.source == "function":
            streams[event.stream].append(event.data)
    return {stream: b"".join(chunks) for stream, chunks in streams.items()}


def invocation_slices(recorder: Recorder) -> list[list]:
    """The events of each invocation, from its START to its END (inclusive)."""
    slices, current = [], None
    for event in recorder.events:
        if isinstance(event, events.InvocationStarted):
            current = []
        if current is not None:
            current.append(event)
        if isinstance(event, events.InvocationEnded):
            slices.append(current)
            current = None
    return slices


@pytest.mark.parametrize("image_kind", ["python", "plain"])
def test_partial_lines_and_both_streams_arrive_before_end_cold_and_warm(lambda_images, image_kind):
    recorder = Recorder()
    event = json.dumps({"action": "write", "writes": WRITES}).encode()
    with session(lambda_images[image_kind], recorder) as warm:
        for _ in range(3):
            assert warm.invoke(event).ok
    slices = invocation_slices(recorder)
    assert len(slices) == 3
    for invocation in slices:
        assert written(recorder, invocation) == {"stdout": b"first line\nsecond part\ndone", "stderr": b"warning\n"}
    lines = recorder.lines
    ends = [index for index, line in enumerate(lines) if line.startswith("END RequestId")]
    assert len(ends) == 3
    # each partial line ends, on a line of its own, before its invocation's END
    assert lines[ends[0] - 1] == "done" and lines[ends[1] - 1] == "done"
    assert lines.count("first line") == 3 and lines.count("second part") == 3 and lines.count("warning") == 3


def test_ten_megabytes_of_logs_arrive_whole_and_in_order(lambda_images):
    recorder = Recorder()
    count, width = 100_000, 91  # 100 bytes a line: 10 MB
    event = json.dumps({"action": "flood", "lines": count, "width": width}).encode()
    with session(lambda_images["python"], recorder) as warm:
        for _ in range(2):  # cold, then warm
            result = warm.invoke(event)
            assert result.ok, result.payload
    for invocation in invocation_slices(recorder):
        stdout = written(recorder, invocation)["stdout"]
        assert len(stdout) == count * (width + 10) + len("tail")
        lines = stdout.split(b"\n")
        assert lines[-1] == b"tail"
        assert [int(line[:8]) for line in lines[:-1]] == list(range(count))


def test_output_of_a_one_shot_invoke_is_all_there_before_end(lambda_images):
    """The quickest path (`last=True`, the CLI's): the container is killed right after REPORT."""
    from lambda_dap.invoke import invoke

    recorder = Recorder()
    event = json.dumps({"action": "write", "writes": WRITES}).encode()
    request = InvokeRequest(
        template=KITCHEN / "template.yaml",
        function_id="Kitchen",
        invoke_images={None: lambda_images["plain"]},
        skip_pull_image=True,
    )
    assert invoke(request, event, on_event=recorder).ok
    (invocation,) = invocation_slices(recorder)
    assert written(recorder, invocation) == {"stdout": b"first line\nsecond part\ndone", "stderr": b"warning\n"}
    milestones = ("InvocationStarted", "ResultPosted", "InvocationEnded", "Reported")
    kinds = [type(event).__name__ for event in recorder.events]
    assert [kind for kind in kinds if kind in milestones] == list(milestones)
    last_output = max(index for index, kind in enumerate(kinds) if kind == "FunctionOutput")
    assert last_output < kinds.index("ResultPosted")
