"""Real invokes of functions whose code directory has a requirements.txt or package.json and no installed packages:
lambda-dap installs them with the host's pip and npm (from PyPI and the npm registry) into its cache, mounts them
beside the untouched code, and reuses them until the manifest changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_dap.invoke import InvokeRequest, InvokeSession, events
from tests.invoke.conftest import Recorder, clean_environment, start_invoke
from tests.invoke.conftest import invoke_cli as invoke_cli  # a fixture, shared

pytestmark = pytest.mark.docker

PYTHON_APP = """\
import markupsafe
import markupsafe._speedups
import six


def handler(event, context):
    return {"escaped": str(markupsafe.escape("<b>")), "speedups": markupsafe._speedups.__file__, "six": six.__file__}
"""
NODE_APP = """\
import ms from "ms";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const handler = async () => ({
  imported: ms(60000),
  required: require("ms")(2000),
  from: require.resolve("ms"),
});
"""
INSTALLING = "Installing dependencies from "
INSTALLED = "Installed dependencies from "


def write_app(root: Path, runtime: str, files: dict[str, str]) -> Path:
    code = root / "app" / "src"
    code.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (code / name).write_text(text)
    (root / "app" / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: src/\n      Handler: app.handler\n      Runtime: {runtime}\n      Timeout: 30\n"
    )
    return root / "app"


@pytest.fixture
def python_app(tmp_path: Path) -> Path:
    return write_app(tmp_path, "python3.11", {"app.py": PYTHON_APP, "requirements.txt": "markupsafe\nsix\n"})


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}


def install_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith((INSTALLING, INSTALLED))]


def cache_entries(env: dict[str, str]) -> list[str]:
    root = Path(env["XDG_CACHE_HOME"]) / "lambda-dap" / "deps"
    return sorted(path.name for path in root.iterdir() if path.name != ".locks") if root.exists() else []


def test_a_c_extension_and_a_pure_package_are_installed_once_then_reused(python_app, cache_env, invoke_cli):
    first = invoke_cli("Fn", env=cache_env, cwd=python_app)
    assert first.code == 0, first.stderr
    assert first.json["escaped"] == "&lt;b&gt;"
    assert first.json["speedups"].startswith("/var/lambda-dap-deps/markupsafe/_speedups.cpython-311-x86_64-linux")
    assert first.json["six"] == "/var/lambda-dap-deps/six.py"
    lines = install_lines(first.stderr)
    assert lines[0] == "Installing dependencies from src/requirements.txt for python3.11 (x86_64) with pip ..."
    assert lines[1].startswith("Installed dependencies from src/requirements.txt in ") and lines[1].endswith(" s")
    assert len(lines) == 2

    second = invoke_cli("Fn", env=cache_env, cwd=python_app)
    assert second.code == 0, second.stderr
    assert second.json == first.json
    assert install_lines(second.stderr) == []
    assert sorted(path.name for path in (python_app / "src").iterdir()) == ["app.py", "requirements.txt"]
    assert len(cache_entries(cache_env)) == 1


def test_a_changed_manifest_installs_again_and_force_image_build_reinstalls(python_app, cache_env, invoke_cli):
    assert invoke_cli("Fn", env=cache_env, cwd=python_app).code == 0
    (python_app / "src" / "requirements.txt").write_text("markupsafe\nsix\n# and a comment: new content\n")
    changed = invoke_cli("Fn", env=cache_env, cwd=python_app)
    assert changed.code == 0, changed.stderr
    assert len(install_lines(changed.stderr)) == 2
    forced = invoke_cli("Fn", "--force-image-build", env=cache_env, cwd=python_app)
    assert forced.code == 0, forced.stderr
    assert len(install_lines(forced.stderr)) == 2
    assert len(cache_entries(cache_env)) == 2  # the first manifest's entry, and the changed one's (re-installed)


def test_a_missing_package_is_one_line_exit_1_and_nothing_in_the_cache(tmp_path, cache_env, invoke_cli):
    requirements = "six\nno-such-package-lambda-dap-test\n"
    app = write_app(tmp_path, "python3.11", {"app.py": PYTHON_APP, "requirements.txt": requirements})
    run = invoke_cli("Fn", env=cache_env, cwd=app)
    assert run.code == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: src/requirements.txt: no-such-package-lambda-dap-test: no such package on the index, or it has no "
        "wheel for Python 3.11 on Linux x86_64 (lambda-dap installs wheels only, so that C extensions match Lambda)"
    ]
    assert "Traceback" not in run.stderr and run.stdout == b""
    assert cache_entries(cache_env) == []
    root = Path(cache_env["XDG_CACHE_HOME"]) / "lambda-dap" / "deps"
    assert [path.name for path in root.iterdir()] == [".locks"]  # no half-written temp directory either


def test_skip_dependencies_leaves_the_function_to_its_own(python_app, cache_env, invoke_cli):
    run = invoke_cli("Fn", "--skip-dependencies", env=cache_env, cwd=python_app)
    assert run.code == 3  # the handler's import fails: lambda-dap installed nothing
    assert "No module named 'markupsafe'" in run.stdout.decode()
    assert install_lines(run.stderr) == [] and cache_entries(cache_env) == []


def test_concurrent_invokes_of_a_new_manifest_install_it_once(python_app, cache_env, tmp_path, lambda_images):
    env = clean_environment(tmp_path / "home", **cache_env)
    (tmp_path / "home").mkdir()
    processes = [start_invoke("Fn", image=lambda_images["python"], env=env, cwd=python_app) for _ in range(2)]
    outputs = [process.communicate(timeout=180) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err.decode() for _, err in outputs]
    assert [json.loads(out)["escaped"] for out, _ in outputs] == ["&lt;b&gt;", "&lt;b&gt;"]
    lines = [line for _, err in outputs for line in install_lines(err.decode())]
    assert [line.split(" from ")[0] for line in lines] == ["Installing dependencies", "Installed dependencies"]
    assert len(cache_entries(cache_env)) == 1


def test_the_engine_reports_installing_in_prepare_and_keeps_the_users_code_dir_mapped(
    python_app, cache_env, lambda_images, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", cache_env["XDG_CACHE_HOME"])
    request = InvokeRequest(
        template=python_app / "template.yaml",
        function_id="Fn",
        invoke_images={None: lambda_images["python"]},
        skip_pull_image=True,
    )
    recorder = Recorder()
    with InvokeSession(request, on_event=recorder) as session:
        plan = session.prepare()
        installs = recorder.of(events.DependencyInstall)
        assert [event.done for event in installs] == [False, True]  # before any container exists
        assert installs[1].seconds is not None and installs[1].seconds > 0
        assert recorder.of(events.ContainerStarted) == []
        assert plan.path_mappings == [{"localRoot": str(python_app / "src"), "remoteRoot": "/var/task"}]
        result = session.invoke(b"{}", last=True)
    assert result.ok and json.loads(result.payload)["escaped"] == "&lt;b&gt;"

    again = Recorder()
    with InvokeSession(request, on_event=again) as session:
        assert json.loads(session.invoke(b"{}", last=True).payload)["escaped"] == "&lt;b&gt;"
    assert again.of(events.DependencyInstall) == []


def test_node_dependencies_are_found_by_import_and_require(tmp_path, cache_env, invoke_cli, lambda_images):
    package = {"name": "fn", "version": "1.0.0", "dependencies": {"ms": "^2.1.3"}, "devDependencies": {"left-pad": "1"}}
    app = write_app(tmp_path, "nodejs18.x", {"app.mjs": NODE_APP, "package.json": json.dumps(package)})
    first = invoke_cli("Fn", env=cache_env, cwd=app, image=lambda_images["nodejs"])
    assert first.code == 0, first.stderr
    assert first.json == {"imported": "1m", "required": "2s", "from": "/var/node_modules/ms/index.js"}
    assert install_lines(first.stderr)[0] == (
        "Installing dependencies from src/package.json for nodejs18.x (x86_64) with npm ..."
    )
    entry = Path(cache_env["XDG_CACHE_HOME"]) / "lambda-dap" / "deps" / cache_entries(cache_env)[0]
    assert sorted(path.name for path in (entry / "node_modules").iterdir() if not path.name.startswith(".")) == ["ms"]
    second = invoke_cli("Fn", env=cache_env, cwd=app, image=lambda_images["nodejs"])
    assert second.code == 0 and install_lines(second.stderr) == []
    assert sorted(path.name for path in (app / "src").iterdir()) == ["app.mjs", "package.json"]
