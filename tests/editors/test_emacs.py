"""editors/emacs/lambda-dap.el in Debian's Emacs (emacs-nox 28.2, with Debian's elpa-eglot and elpa-yaml-mode).

The byte compiler must accept the file without a warning, with and without eglot installed. dape is on GNU ELPA only
(and needs Emacs 29.1), so editors/emacs/test/run.el loads a stand-in `dape` feature with the parts lambda-dap.el
touches, evaluates each configuration as dape does before a launch, and builds the launch request's arguments with
dape's rules and Emacs's own `json-serialize`. eglot is the real one: its `eglot--guess-contact` says which server
it would start for a buffer. Without Emacs the tests skip on a developer machine and fail in CI (CI=true).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lambda_dap.dap.launch import launch_configuration_errors
from tests.conftest import unavailable

REPO = Path(__file__).resolve().parents[2]
EMACS_DIR = REPO / "editors" / "emacs"
EXAMPLE = REPO / "examples" / "hello"
OUR_CONFIGS = ["lambda", "lambda-keep-alive", "lambda-event", "lambda-handler"]

TWO_FUNCTIONS = """\
Resources:
  Ingest:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.ingest
  Table:
    Type: AWS::DynamoDB::Table
  Report:
    Type: 'AWS::Lambda::Function'
"""


@pytest.fixture(scope="module")
def emacs() -> str:
    binary = shutil.which("emacs")
    if binary is None:
        unavailable("Emacs is not installed (Debian's emacs-nox)", "the Emacs tests")
    return binary


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "hello"
    shutil.copytree(EXAMPLE, target)
    return target


def run_scenario(emacs: str, tmp_path: Path, **scenario: Any) -> dict[str, Any]:
    """editors/emacs/test/run.el on `scenario`; its report. Site start-up files load (Debian's package paths)."""
    scenario_file = tmp_path / "scenario.json"
    report_file = tmp_path / "report.json"
    scenario_file.write_text(json.dumps({"lisp": str(EMACS_DIR), "answers": {}, **scenario}), encoding="utf-8")
    completed = subprocess.run(
        [emacs, "--batch", "-l", str(EMACS_DIR / "test" / "run.el"), str(scenario_file), str(report_file)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(tmp_path / "home"), **scenario.pop("env", {})},
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(report_file.read_text(encoding="utf-8"))


def assert_valid(configuration: dict[str, Any], name: str) -> None:
    errors = launch_configuration_errors(configuration)
    assert errors == [], f"{name}: {errors}"


@pytest.mark.parametrize("site", [False, True], ids=["emacs -Q", "with Debian's eglot on load-path"])
def test_the_file_byte_compiles_without_a_warning(emacs: str, tmp_path: Path, site: bool) -> None:
    source = tmp_path / "lambda-dap.el"
    shutil.copy(EMACS_DIR / "lambda-dap.el", source)
    prelude = "(progn (package-activate-all) (require 'eglot))" if site else "nil"
    completed = subprocess.run(
        [
            emacs,
            *(["--batch"] if site else ["-Q", "--batch"]),
            "--eval",
            prelude,
            "--eval",
            "(setq byte-compile-error-on-warn t)",
            "-f",
            "batch-byte-compile",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "lambda-dap.elc").is_file()
    assert "Warning" not in completed.stderr, completed.stderr


def test_setup_adds_the_configurations_when_dape_loads(emacs: str, tmp_path: Path, project: Path) -> None:
    report = run_scenario(emacs, tmp_path, cwd=str(project), configurations=[])
    assert report["emacs"].startswith("28.")  # Debian 12's; dape itself would need 29.1
    assert report["names"] == [*OUR_CONFIGS, "launch"]  # first, and dape's own entries kept


def test_every_configuration_becomes_a_launch_request_the_schema_accepts(
    emacs: str, tmp_path: Path, project: Path
) -> None:
    report = run_scenario(
        emacs,
        tmp_path,
        cwd=str(project),
        buffer=str(project / "hello_world" / "app.py"),
        configurations=OUR_CONFIGS,
        answers={"Event file: ": "../events/event.json"},  # read-file-name starts in the buffer's directory
    )
    configurations = {entry["name"]: entry for entry in report["configurations"]}
    assert list(configurations) == OUR_CONFIGS
    root = f"{project}/"
    for name, entry in configurations.items():
        assert (entry["command"], entry["command-args"], entry["port"]) == ("lambda-dap", ["--stdio"], None)
        assert entry["command-cwd"] == root
        assert "python-mode" in entry["modes"] and "yaml-mode" in entry["modes"]
        arguments = entry["arguments"]
        assert (arguments["type"], arguments["request"], arguments["cwd"]) == ("lambda", "launch", root)
        assert_valid(arguments, name)
    template = str(project / "template.yaml")
    assert configurations["lambda"]["arguments"]["template"] == template
    assert configurations["lambda"]["arguments"]["function"] == "HelloWorldFunction"
    assert configurations["lambda-keep-alive"]["arguments"]["keepAlive"] is True
    assert configurations["lambda-event"]["arguments"]["eventFile"] == str(project / "events" / "event.json")
    handler = configurations["lambda-handler"]["arguments"]
    assert (handler["handler"], handler["runtime"]) == ("app.lambda_handler", "python3.12")
    assert handler["codeDir"] == f"{project / 'hello_world'}/"
    assert "function" not in handler and "template" not in handler
    # One template with one function: only the event file and the handler's fields were asked for.
    assert report["prompts"] == ["Event file: ", "Handler (app.lambda_handler): ", "Runtime (python3.12): "]


def test_a_template_with_several_functions_asks_which_one(emacs: str, tmp_path: Path) -> None:
    project = tmp_path / "two"
    project.mkdir()
    (project / "template.yaml").write_text(TWO_FUNCTIONS, encoding="utf-8")
    report = run_scenario(
        emacs, tmp_path, cwd=str(project), configurations=["lambda"], answers={"Function: ": "Report"}
    )
    (entry,) = report["configurations"]
    assert entry["arguments"]["function"] == "Report"
    assert report["prompts"] == ["Function: "]
    assert_valid(entry["arguments"], "lambda")


def test_a_json_template_is_read_too(emacs: str, tmp_path: Path) -> None:
    project = tmp_path / "json"
    project.mkdir()
    resources = {
        "Worker": {"Type": "AWS::Serverless::Function"},
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Api": {"Type": "AWS::Lambda::Function"},
    }
    (project / "template.json").write_text(json.dumps({"Resources": resources}), encoding="utf-8")
    report = run_scenario(
        emacs, tmp_path, cwd=str(project), configurations=["lambda"], answers={"Function: ": "Worker"}
    )
    (entry,) = report["configurations"]
    assert (entry["arguments"]["template"], entry["arguments"]["function"]) == (
        str(project / "template.json"),
        "Worker",
    )


def test_invoke_again_sends_the_custom_invoke_request(emacs: str, tmp_path: Path, project: Path) -> None:
    report = run_scenario(
        emacs,
        tmp_path,
        cwd=str(project),
        configurations=[],
        invoke=["", '{"name": "b", "items": [1, false, null], "more": {}}', "events/event.json"],
    )
    assert [json.loads(sent) for sent in report["invoke"]] == [
        {},
        {"event": {"name": "b", "items": [1, False, None], "more": {}}},
        {"eventFile": str(project / "events" / "event.json")},
    ]


def test_eglot_starts_lambda_dap_for_project_buffers_and_keeps_other_servers(
    emacs: str, tmp_path: Path, project: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "script.py").write_text("print('not a lambda')\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"  # a Python language server for eglot's own python-mode entry to find
    bin_dir.mkdir()
    (bin_dir / "pylsp").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (bin_dir / "pylsp").chmod(0o755)
    opened = [
        project / "template.yaml",
        project / "hello_world" / "app.py",
        project / "events" / "event.json",
        elsewhere / "script.py",
    ]
    report = run_scenario(
        emacs,
        tmp_path,
        cwd=str(project),
        configurations=[],
        open=[str(path) for path in opened],
        env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )
    assert report["eglot"].startswith("/usr/share/emacs/site-lisp/elpa/eglot-")  # Debian's, not a stand-in
    assert report["eglot-first"] is True
    contacts = {
        Path(entry["file"]).name: (entry["mode"], entry.get("contact"), entry.get("error"))
        for entry in report["contacts"]
    }
    assert contacts == {
        "template.yaml": ("yaml-mode", ["lambda-dap", "lsp"], None),
        "app.py": ("python-mode", ["lambda-dap", "lsp"], None),
        "event.json": ("js-mode", ["lambda-dap", "lsp"], None),  # Emacs 28 has no json mode of its own
        "script.py": ("python-mode", [str(bin_dir / "pylsp")], None),  # eglot's own entry: eglot-alternatives
    }
