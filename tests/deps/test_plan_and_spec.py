"""What the plan decides about dependencies, and how the container gets them: a read-only mount beside the
untouched code directory (still /var/task, still the only path mapping), PYTHONPATH for Python."""

from __future__ import annotations

from pathlib import Path

from lambda_dap.deps.install import NODE_TARGET, PYTHON_TARGET, InstalledDependencies
from lambda_dap.invoke.plan import FunctionPlan, plan_function
from lambda_dap.invoke.request import DebugOptions, InvokeRequest
from lambda_dap.invoke.spec import container_spec
from lambda_dap.runtime.rundir import MOUNT

TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: {handler}
      Runtime: {runtime}
      Architectures: [{arch}]
{extra}"""


def make_plan(tmp_path: Path, files: dict[str, str], runtime="python3.12", arch="arm64", extra="", **request):
    code = tmp_path / "src"
    code.mkdir(exist_ok=True)
    for name, text in files.items():
        (code / name).write_text(text)
    handler = "app.handler"
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE.format(handler=handler, runtime=runtime, arch=arch, extra=extra))
    invoke_request = InvokeRequest(template=template, **request)
    return invoke_request, plan_function(invoke_request, notice=lambda text: None, host_env={})


def spec_of(tmp_path: Path, request: InvokeRequest, plan: FunctionPlan, image_env: list[str] | None = None):
    details = {"Config": {"Env": image_env}} if image_env is not None else {}
    return container_spec(request, plan, details, run_dir=tmp_path / "run", runtime_api="172.17.0.1:9001")


def installed_for(plan: FunctionPlan, directory: Path) -> InstalledDependencies:
    assert plan.dependencies is not None
    target = PYTHON_TARGET if plan.dependencies.installer == "pip" else NODE_TARGET
    return InstalledDependencies(plan.dependencies, directory, target)


def test_the_plan_names_the_manifest_for_the_functions_runtime_and_architecture(tmp_path):
    _, plan = make_plan(tmp_path, {"app.py": "", "requirements.txt": "six\n"})
    assert plan.dependencies is not None
    assert (plan.dependencies.path, plan.dependencies.runtime, plan.dependencies.architecture) == (
        tmp_path / "src" / "requirements.txt",
        "python3.12",
        "arm64",
    )


def test_skip_dependencies_plans_none(tmp_path):
    _, plan = make_plan(tmp_path, {"app.py": "", "requirements.txt": "six\n"}, skip_dependencies=True)
    assert plan.dependencies is None


def test_python_dependencies_are_mounted_read_only_and_put_on_the_images_pythonpath(tmp_path):
    request, plan = make_plan(tmp_path, {"app.py": "", "requirements.txt": "six\n"}, debug=DebugOptions(ports=(5890,)))
    mappings = plan.path_mappings
    plan.installed_dependencies = installed_for(plan, tmp_path / "cache" / "entry")
    spec = spec_of(tmp_path, request, plan, ["PATH=/usr/bin", "PYTHONPATH=/var/runtime"])
    mounts = {mount.target: (mount.source, mount.read_only) for mount in spec.mounts}
    assert mounts[PYTHON_TARGET] == (str(tmp_path / "cache" / "entry"), True)
    assert mounts["/var/task"] == (str(tmp_path / "src"), True)  # the user's own files: breakpoints stay there
    assert spec.environment["PYTHONPATH"] == f"/var/runtime:{PYTHON_TARGET}"
    assert plan.path_mappings == mappings == [{"localRoot": str(tmp_path / "src"), "remoteRoot": "/var/task"}]


def test_a_functions_own_pythonpath_is_kept_in_front(tmp_path):
    extra = "      Environment:\n        Variables:\n          PYTHONPATH: /var/task/lib\n"
    request, plan = make_plan(tmp_path, {"app.py": "", "requirements.txt": "six\n"}, extra=extra)
    plan.installed_dependencies = installed_for(plan, tmp_path / "entry")
    spec = spec_of(tmp_path, request, plan, ["PYTHONPATH=/var/runtime"])
    assert spec.environment["PYTHONPATH"] == f"/var/task/lib:{PYTHON_TARGET}"


def test_an_image_without_pythonpath_keeps_lambdas_default(tmp_path):
    request, plan = make_plan(tmp_path, {"app.py": "", "requirements.txt": "six\n"})
    plan.installed_dependencies = installed_for(plan, tmp_path / "entry")
    assert spec_of(tmp_path, request, plan).environment["PYTHONPATH"] == f"/var/runtime:{PYTHON_TARGET}"


def test_node_modules_are_mounted_without_touching_node_path(tmp_path):
    files = {"app.mjs": "", "package.json": '{"dependencies": {"ms": "^2.1.3"}}'}
    request, plan = make_plan(tmp_path, files, runtime="nodejs20.x")
    plan.installed_dependencies = installed_for(plan, tmp_path / "entry" / "node_modules")
    spec = spec_of(tmp_path, request, plan)
    assert (str(tmp_path / "entry" / "node_modules"), NODE_TARGET, True) in [
        (mount.source, mount.target, mount.read_only) for mount in spec.mounts
    ]
    assert "NODE_PATH" not in spec.environment and "PYTHONPATH" not in spec.environment


def test_without_dependencies_nothing_changes(tmp_path):
    request, plan = make_plan(tmp_path, {"app.py": ""})
    spec = spec_of(tmp_path, request, plan, ["PYTHONPATH=/var/runtime"])
    assert plan.dependencies is None
    assert "PYTHONPATH" not in spec.environment
    assert {mount.target for mount in spec.mounts} == {MOUNT, "/var/task"}
