"""`--mount-symlinks`: top-level symlinks of the code directory resolve in the container, as SAM mounts them."""

from __future__ import annotations

import os

import pytest

from lambda_dap.invoke import build_request
from lambda_dap.invoke.plan import plan_function

HANDLER = """import os


def handler(event, context):
    found = {}
    for name in ("shared", "deps"):
        path = os.path.join("/var/task", name, "data.txt")
        found[name] = open(path).read() if os.path.exists(path) else None
    return found
"""


@pytest.fixture
def project(tmp_path):
    """A function whose code directory links to a directory outside it and to a node_modules directory."""
    code = tmp_path / "app" / "src"
    code.mkdir(parents=True)
    (code / "app.py").write_text(HANDLER)
    shared = tmp_path / "libs" / "shared"
    shared.mkdir(parents=True)
    (shared / "data.txt").write_text("from the shared library")
    modules = tmp_path / "build" / "node_modules"
    modules.mkdir(parents=True)
    (modules / "data.txt").write_text("from node_modules")
    os.symlink("../../libs/shared", code / "shared")  # relative, leaving the code directory
    os.symlink(str(modules), code / "deps")  # absolute, to a node_modules directory
    (tmp_path / "app" / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.11}\n"
    )
    return tmp_path / "app"


@pytest.mark.docker
def test_only_node_modules_symlinks_are_mounted_by_default(invoke_cli, project):
    run = invoke_cli(cwd=project)
    assert run.code == 0, run.stderr
    assert run.json == {"shared": None, "deps": "from node_modules"}
    assert "Not mounting symlink (" in run.stderr and "Use --mount-symlinks to always mount symlinks" in run.stderr


@pytest.mark.docker
def test_mount_symlinks_makes_every_top_level_symlink_resolve(invoke_cli, project):
    run = invoke_cli("--mount-symlinks", cwd=project)
    assert run.code == 0, run.stderr
    assert run.json == {"shared": "from the shared library", "deps": "from node_modules"}
    assert "Not mounting symlink" not in run.stderr


@pytest.mark.docker
def test_no_mount_symlinks_wins_over_samconfig(invoke_cli, project):
    (project / "samconfig.toml").write_text("version = 0.1\n[default.local_invoke.parameters]\nmount_symlinks = true\n")
    assert invoke_cli(cwd=project).json["shared"] == "from the shared library"
    assert invoke_cli("--no-mount-symlinks", cwd=project).json["shared"] is None


@pytest.mark.docker
def test_symlinked_directories_are_mounted_read_only(invoke_cli, project, tmp_path):
    (project / "src" / "app.py").write_text(
        "def handler(event, context):\n"
        "    try:\n        open('/var/task/shared/new.txt', 'w')\n    except OSError as e:\n"
        "        return e.strerror\n    return 'written'\n"
    )
    run = invoke_cli("--mount-symlinks", cwd=project)
    assert run.code == 0, run.stderr
    assert run.json == "Read-only file system"
    assert not (tmp_path / "libs" / "shared" / "new.txt").exists()


def test_a_debugger_maps_a_mounted_symlink_s_real_files_to_their_place_in_the_container(project, tmp_path):
    notices: list[str] = []
    request = build_request({"mount_symlinks": True}, cwd=project, environ={})
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"}
    plan = plan_function(request, notice=notices.append, host_env=env)
    plan.close()
    assert plan.path_mappings == [
        {"localRoot": str(tmp_path / "build" / "node_modules"), "remoteRoot": "/var/task/deps"},
        {"localRoot": str(tmp_path / "libs" / "shared"), "remoteRoot": "/var/task/shared"},
        {"localRoot": str(project / "src"), "remoteRoot": "/var/task"},
    ]
    assert notices == []


def test_a_dangling_symlink_is_skipped_with_a_notice(project):
    os.symlink("../nowhere", project / "src" / "gone")
    notices: list[str] = []
    request = build_request({"mount_symlinks": True}, cwd=project, environ={})
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"}
    plan = plan_function(request, notice=notices.append, host_env=env)
    plan.close()
    assert [name for _, name in plan.symlink_mounts] == ["deps", "shared"]
    assert notices == [
        f"Not mounting symlink ({project / 'src' / 'gone'} -> {project / 'nowhere'}): its target does not exist"
    ]
