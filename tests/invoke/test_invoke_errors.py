"""Bad input gives one `Error:` line naming what is wrong and where, a non-zero exit and no traceback; a function
that cannot start is the runtime's to report, with Lambda's error document and exit 3."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import SESSION_LABEL, unavailable
from tests.invoke.conftest import KITCHEN, clean_environment, containers_gone, start_invoke

pytestmark = pytest.mark.docker

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]


def assert_one_line_error(run, *fragments: str, code: int = 1) -> str:
    assert run.code == code, (run.code, run.stderr)
    assert run.stdout == b""
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, run.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def test_missing_template(invoke_cli, tmp_path):
    run = invoke_cli("-t", str(tmp_path / "nope.yaml"))
    assert_one_line_error(run, "nope.yaml")


def test_default_template_missing_in_working_directory(invoke_cli, tmp_path):
    run = invoke_cli(cwd=tmp_path)
    assert_one_line_error(run, "template.yaml")


def test_malformed_template(invoke_cli, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: [unclosed\n")
    assert_one_line_error(invoke_cli("-t", str(template)), "template.yaml")


def test_unknown_function_lists_the_ones_that_exist(invoke_cli):
    run = invoke_cli("Nope", *TEMPLATE)
    assert_one_line_error(run, "Nope", "Kitchen", "Short", "Layered")


def test_several_functions_need_an_identifier(invoke_cli):
    assert_one_line_error(invoke_cli(*TEMPLATE), "Kitchen", "Short")


def test_event_that_is_not_json(invoke_cli, event_file):
    assert_one_line_error(invoke_cli("Kitchen", *TEMPLATE, "-e", event_file("{not json", "bad.json")), "bad.json")


def test_event_file_missing(invoke_cli, tmp_path):
    assert_one_line_error(invoke_cli("Kitchen", *TEMPLATE, "-e", str(tmp_path / "gone.json")), "gone.json")


def test_malformed_env_vars_file(invoke_cli, tmp_path):
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"Kitchen": "not an object"}))
    assert_one_line_error(invoke_cli("Kitchen", *TEMPLATE, "-n", str(env_file)), "env.json", "Kitchen")


def test_malformed_parameter_override(invoke_cli):
    run = invoke_cli("Kitchen", *TEMPLATE, "--parameter-overrides", "ParameterKey=Color,Oops")
    assert_one_line_error(run, "parameter", code=2)  # a bad command-line option value is a usage error


def _function(tmp_path: Path, handler: str, files: dict[str, str | bytes]) -> list[str]:
    """A template with one Python function `Fn` (code in src/, `files` in it); the `-t` option naming it."""
    src = tmp_path / "src"
    src.mkdir()
    for name, content in files.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: src/\n      Handler: {handler}\n      Runtime: python3.11\n"
    )
    return ["-t", str(template), "--no-event"]


@pytest.mark.parametrize("image_kind", ["python", "plain"])
def test_a_missing_handler_module_is_the_runtimes_import_error(invoke_cli, lambda_images, tmp_path, image_kind):
    """Lambda starts the function and its runtime says the module is missing: no guess of lambda-dap's beforehand."""
    run = invoke_cli(*_function(tmp_path, "missing.handler", {"app.py": "x = 1\n"}), image=lambda_images[image_kind])
    assert run.code == 3, run.stderr
    assert run.json == {
        "errorMessage": "Unable to import module 'missing': No module named 'missing'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    assert not [line for line in run.stderr.splitlines() if line.startswith("Error: ")], run.stderr
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'missing'" in run.stderr


@pytest.mark.parametrize("image_kind", ["python", "plain"])
def test_an_init_error_is_logged_with_start_end_and_report(invoke_cli, lambda_images, tmp_path, image_kind):
    """The init's own log lines come first (as Lambda logs init before START), then START, END and a REPORT with the
    init's duration; the error document is on stdout."""
    app = (
        "def load():\n    raise RuntimeError('no config')\n\n\nload()\n\n\ndef handler(event, context):\n    return 1\n"
    )
    run = invoke_cli(*_function(tmp_path, "app.handler", {"app.py": app}), image=lambda_images[image_kind])
    assert run.code == 3, run.stderr
    assert run.json["errorType"] == "RuntimeError" and run.json["errorMessage"] == "no config"
    lines = run.stderr.splitlines()
    error = lines.index("[ERROR] RuntimeError: no config")
    start = next(index for index, line in enumerate(lines) if line.startswith("START RequestId: "))
    request_id = lines[start].split()[2]
    assert lines[start] == f"START RequestId: {request_id} Version: $LATEST"
    assert error < start
    assert lines[start + 1] == f"END RequestId: {request_id}"
    report = lines[start + 2]
    assert report.startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    init_ms = float(report.split("\tInit Duration: ")[1].split(" ms")[0])
    assert init_ms > 0
    assert len([line for line in lines if line.startswith(("START", "END", "REPORT"))]) == 3


EXTENSION_MODULE = """#define Py_LIMITED_API 0x03080000
#include <Python.h>

static PyObject *handler(PyObject *self, PyObject *args) {
    PyObject *event, *context;
    if (!PyArg_ParseTuple(args, "OO", &event, &context))
        return NULL;
    return Py_BuildValue("{s:s,s:O}", "from", "a compiled extension", "event", event);
}

static PyMethodDef methods[] = {{"handler", handler, METH_VARARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "app", NULL, -1, methods};

PyMODINIT_FUNC PyInit_app(void) { return PyModule_Create(&module); }
"""


def _compile_extension(tmp_path: Path) -> bytes:
    """app.c built with the host's C compiler against the stable ABI (so any Python 3.8+ headers do); skips when
    the host has no compiler or no Python headers (scripts/setup installs both)."""
    import shutil
    import sysconfig

    compiler = shutil.which("gcc") or shutil.which("cc")
    include = Path(sysconfig.get_paths()["include"])
    if compiler is None or not (include / "Python.h").exists():
        unavailable("needs a C compiler and Python's headers (gcc, python3-dev)", "the extension-module handler tests")
    build = tmp_path / "build"
    build.mkdir()
    source, built = build / "app.c", build / "app.so"
    source.write_text(EXTENSION_MODULE)
    subprocess.run([compiler, "-shared", "-fPIC", "-O0", f"-I{include}", "-o", str(built), str(source)], check=True)
    return built.read_bytes()


@pytest.mark.parametrize("image_kind", ["python", "plain"])
def test_a_compiled_extension_module_is_a_handler(invoke_cli, lambda_images, tmp_path, image_kind):
    """A handler module need not be a .py file: the runtime imports app.cpython-311-x86_64-linux-gnu.so too."""
    library = _compile_extension(tmp_path)
    args = _function(tmp_path, "app.handler", {"app.cpython-311-x86_64-linux-gnu.so": library})
    run = invoke_cli(*args, image=lambda_images[image_kind])
    assert run.code == 0, run.stderr
    assert run.json == {"from": "a compiled extension", "event": {}}


def test_a_handler_package_and_a_layer_module_are_handlers(invoke_cli, tmp_path):
    """A package (app/__init__.py) in the code, and a module only a layer provides, import as Lambda imports them."""
    (tmp_path / "layer" / "python").mkdir(parents=True)
    (tmp_path / "layer" / "python" / "shared.py").write_text("def handler(event, context):\n    return 'layer'\n")
    package = "def handler(event, context):\n    return 'package'\n"
    args = _function(tmp_path, "app.handler", {"app/__init__.py": package})
    template = Path(args[1])
    text = template.read_text()
    layered = text.replace("Runtime: python3.11\n", "Runtime: python3.11\n      Layers: [!Ref Shared]\n").replace(
        "Handler: app.handler", "Handler: shared.handler"
    )
    layer = "  Shared:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: layer/\n"
    run = invoke_cli(*args)
    assert (run.code, run.stdout) == (0, b'"package"'), run.stderr
    template.write_text(layered + layer)
    run = invoke_cli(*args)
    assert (run.code, run.stdout) == (0, b'"layer"'), run.stderr


def test_image_missing_with_skip_pull_image(invoke_cli):
    run = invoke_cli("Kitchen", *TEMPLATE, image="lambda-dap-test/does-not-exist:1")
    assert_one_line_error(run, "lambda-dap-test/does-not-exist:1", "--skip-pull-image")


def test_docker_engine_not_running(invoke_cli, tmp_path):
    run = invoke_cli("Kitchen", *TEMPLATE, env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert_one_line_error(run, "Docker")


def test_debug_shows_the_traceback(invoke_cli):
    run = invoke_cli("Nope", *TEMPLATE, "--debug")
    assert run.code == 1
    assert "Traceback" in run.stderr


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_during_an_invocation_removes_the_container(tmp_path, lambda_images, docker_client, signum, code):
    home = tmp_path / "home"
    home.mkdir()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "sleep", "seconds": 60}))
    process = start_invoke(
        "Kitchen", *TEMPLATE, "-e", str(event), image=lambda_images["python"], env=clean_environment(home)
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if docker_client.api.containers(filters={"label": ["lambda-dap.function=Kitchen", SESSION_LABEL]}):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the function container never started")
        time.sleep(0.5)  # the handler is sleeping now
        os.kill(process.pid, signum)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, stderr.decode()
    assert stdout == b""
    assert "Traceback" not in stderr.decode()
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_a_killed_lambda_daps_container_is_removed_by_the_next_run(tmp_path, lambda_images, docker_client, invoke_cli):
    """SIGKILL leaves no chance to clean up: a debugged container would wait for its debugger forever. The next
    lambda-dap on the machine removes it, since its owner process is gone."""
    home = tmp_path / "killed-home"
    home.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambda_dap",
            "invoke",
            "Kitchen",
            *TEMPLATE,
            "-d",
            "0",
            "--invoke-image",
            lambda_images["python"],
            "--skip-pull-image",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_environment(home),
        cwd=KITCHEN,
    )
    mine = {"label": ["lambda-dap.function=Kitchen", SESSION_LABEL]}
    try:
        deadline = time.monotonic() + 30
        while not docker_client.api.containers(filters=mine) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert docker_client.api.containers(filters=mine), "the debugged container never started"
    finally:
        process.kill()
        process.communicate(timeout=10)
    assert docker_client.api.containers(filters=mine)  # left behind, waiting for a debugger
    assert invoke_cli("Short", *TEMPLATE, "--no-event").code == 0
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")
    left = Path(tempfile.gettempdir()).glob(f"lambda-dap-run-{process.pid}-*")
    assert not list(left), "the killed run's directory is still there"


def test_an_init_that_never_ends_times_out_as_on_lambda(invoke_cli, tmp_path):
    """Lambda gives an init 10 s, then retries it within the function's Timeout: a module that hangs at import
    times out (exit 4), it does not hold the invoke until it is done."""
    args = _function(
        tmp_path, "app.handler", {"app.py": "import time\ntime.sleep(600)\n\ndef handler(e, c):\n    return 1\n"}
    )
    template = tmp_path / "template.yaml"
    template.write_text(template.read_text() + "      Timeout: 1\n")
    run = invoke_cli(*args, timeout=90)
    assert run.code == 4, run.stderr
    assert run.json["errorType"] == "Sandbox.Timedout"
    lines = run.stderr.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("START RequestId: "))
    assert lines[start + 1].endswith("Task timed out after 1.00 seconds"), run.stderr
    assert lines[start + 2].startswith("END RequestId: ") and lines[start + 3].startswith("REPORT RequestId: ")
    duration_ms = float(re.search(r"\tDuration: ([0-9.]+) ms", lines[start + 3]).group(1))
    assert duration_ms >= 1000.0, lines[start + 3]  # the init retried within the invocation: its 1 s Timeout
