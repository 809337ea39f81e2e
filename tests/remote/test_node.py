"""A Node.js function on the remote engine: its image (the nodejs test image) has node and no python3, as Lambda's
own nodejs images, so remote mode runs lambda-dap's Node.js agent. Results, logs to the byte and in order, function
errors, reused volumes and the inspector behave as with the Python agent."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.debug.test_node import break_in_the_handler, event_file, home  # noqa: F401 (fixtures)
from tests.invoke.test_logs import WRITES
from tests.remote.dockerd import DOCKER_HOST
from tests.remote.test_invoke import fill_activity, remote_cli  # noqa: F401 (a fixture)

pytestmark = pytest.mark.docker

WRITER = """// Writes as it is told, with no newline added; throws when told to.
export const handler = async (event) => {
  for (const [stream, text] of event.writes ?? []) {
    (stream === "stdout" ? process.stdout : process.stderr).write(text);
  }
  if (event.fail) {
    throw new RangeError(event.fail);
  }
  return "written";
};
"""
TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: nodejs18.x
"""


def writer_app(tmp_path, unique: bool = False) -> str:
    """The writer function's template (`unique`: its code in a volume of its own, never filled before)."""
    code = tmp_path / "app" / "src"
    code.mkdir(parents=True)
    (code / "app.mjs").write_text(WRITER)
    if unique:
        (code / "unique.txt").write_text(uuid.uuid4().hex)
    (tmp_path / "app" / "template.yaml").write_text(TEMPLATE)
    return str(tmp_path / "app" / "template.yaml")


def between_start_and_end(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    end = next(i for i, line in enumerate(lines) if line.startswith("END RequestId: "))
    assert lines[end + 1].startswith("REPORT RequestId: "), stderr
    return lines[start + 1 : end]


def test_result_and_logs_of_a_node_function(remote_cli, tmp_path):  # noqa: F811
    event = json.dumps({"writes": WRITES}).encode()
    code, stdout, stderr = remote_cli("-t", writer_app(tmp_path), "-e", "-", image="nodejs", stdin=event)
    assert code == 0, stderr
    assert json.loads(stdout) == "written"
    between = between_start_and_end(stderr)
    # each stream's bytes in order, both before END, the partial last line ended on its own line just before END
    assert [line for line in between if line != "warning"] == ["first line", "second part", "done"], stderr
    assert between.count("warning") == 1 and between[-1] == "done", stderr
    assert "Max Memory Used: " in stderr  # the agent's MEMORY answer
    assert "Traceback" not in stderr and "lambda-dap agent" not in stderr


def test_a_node_function_error_exits_3_with_its_error_document(remote_cli, tmp_path):  # noqa: F811
    event = json.dumps({"writes": [["stdout", "before the error\n"]], "fail": "no way"}).encode()
    code, stdout, stderr = remote_cli("-t", writer_app(tmp_path), "-e", "-", image="nodejs", stdin=event)
    assert code == 3, stderr
    document = json.loads(stdout)
    assert document["errorType"] == "RangeError" and document["errorMessage"] == "no way", document
    assert "before the error" in between_start_and_end(stderr)


def test_the_second_node_invoke_copies_nothing(remote_cli, remote_engine, tmp_path):  # noqa: F811
    from lambda_dap.container.volumes import volume_for

    template = writer_app(tmp_path, unique=True)
    code_volume = volume_for(tmp_path / "app" / "src", "/var/task").name
    since = time.time() - 1
    code, stdout, stderr = remote_cli("-t", template, "-e", "-", image="nodejs", stdin=b"{}")
    assert code == 0, stderr
    filled, unpacked = fill_activity(remote_engine, since)
    assert filled.count(code_volume) == 1 and unpacked >= 1, (filled, unpacked)
    time.sleep(1.1)  # the events API counts in whole seconds
    since = time.time()
    code, stdout, stderr = remote_cli("-t", template, "-e", "-", image="nodejs", stdin=b"{}")
    assert code == 0, stderr
    assert json.loads(stdout) == "written"
    assert fill_activity(remote_engine, since) == ([], 0)


def test_a_node_breakpoint_through_the_agent(remote_engine, remote_images, home, tmp_path, event_file):  # noqa: F811
    """-d PORT listens here; the inspector (its HTTP list, then its WebSocket) is dialled inside the container."""
    break_in_the_handler(remote_images["nodejs"], home, tmp_path, event_file, env={"DOCKER_HOST": DOCKER_HOST})
