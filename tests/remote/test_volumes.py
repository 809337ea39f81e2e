"""Remote mode's files: a directory's volume is named by its content (the same content, wherever it lies, is one
volume; any change, another), and the remote container spec turns every bind mount into one. No engine needed."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from lambda_dap.container.spec import ContainerSpec, Mount, VolumeMount
from lambda_dap.container.volumes import MARKER, _archive, content_digest, volume_for
from lambda_dap.errors import EngineUnsuitable
from lambda_dap.invoke.spec import AGENT_FILES_MOUNT, remote_container_spec
from lambda_dap.runtime.rundir import MOUNT as RUN_DIR_MOUNT


@pytest.fixture(autouse=True)
def _own_digest_cache(tmp_path, monkeypatch):
    """Each test remembers digests in its own cache, from nothing."""
    import lambda_dap.container.volumes as volumes

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(volumes, "_digests", {})
    monkeypatch.setattr(volumes, "_on_disk", None)


def tree(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    os.symlink("app.py", root / "link.py")
    return root


def test_the_same_content_elsewhere_is_the_same_volume(tmp_path):
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert content_digest(first) == content_digest(second)
    assert volume_for(first, "/var/task").name == volume_for(second, "/var/task").name
    assert volume_for(first, "/var/task").name.startswith("lambda-dap-cache-")


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "app.py").write_text("def handler(event, context):\n    return 2\n"),
        lambda root: (root / "new.txt").write_text(""),
        lambda root: (root / "run.sh").chmod(0o644),
        lambda root: ((root / "link.py").unlink(), os.symlink("pkg", root / "link.py")),
        lambda root: (root / "pkg" / "__init__.py").rename(root / "pkg" / "other.py"),
    ],
    ids=["content", "new-file", "mode", "link-target", "rename"],
)
def test_any_change_is_another_volume(tmp_path, change):
    root = tree(tmp_path / "a")
    before = content_digest(root)
    change(root)
    assert content_digest(root) != before


def test_the_archive_holds_the_directory_as_root_with_the_marker_last(tmp_path):
    root = tree(tmp_path / "a")
    volume = volume_for(root, "/var/task")
    with _archive(volume) as handle, tarfile.open(fileobj=handle) as tar:
        members = tar.getmembers()
        names = [member.name for member in members]
        assert names[-1] == MARKER
        assert sorted(names[:-1]) == ["app.py", "link.py", "pkg", "pkg/__init__.py", "run.sh"]
        assert {(member.uid, member.gid) for member in members} == {(0, 0)}
        assert tar.getmember("link.py").issym() and tar.getmember("link.py").linkname == "app.py"
        assert tar.getmember("run.sh").mode & 0o777 == 0o755
        assert tar.extractfile("app.py").read() == (root / "app.py").read_bytes()


def test_the_remote_spec_has_volumes_a_tmpfs_run_directory_and_the_agent(tmp_path):
    code, layers = tree(tmp_path / "code"), tree(tmp_path / "opt")
    spec = ContainerSpec(
        image="img",
        entrypoint=["/bin/sh", f"{RUN_DIR_MOUNT}/launch.sh"],
        command=["--python", "-m", "debugpy"],
        environment={"AWS_LAMBDA_RUNTIME_API": "172.17.0.1:1234", "KEEP": "1"},
        mounts=[
            Mount(str(tmp_path / "run"), RUN_DIR_MOUNT, read_only=False),
            Mount(str(code), "/var/task"),
            Mount(str(layers), "/opt"),
        ],
    )
    remote = remote_container_spec(spec, network_host=False)
    assert remote.mounts == []
    assert remote.tmpfs.keys() == {RUN_DIR_MOUNT}
    assert remote.attach_stdio
    assert remote.environment == {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "KEEP": "1"}
    assert remote.entrypoint[:2] == ["/bin/sh", "-c"] and "lambda_dap_agent.py" in remote.entrypoint[2]
    assert remote.command == ["--python", "-m", "debugpy"]  # launch.sh's arguments, for the agent to pass on
    targets = {volume.target: volume for volume in remote.volumes}
    assert targets.keys() == {AGENT_FILES_MOUNT, "/var/task", "/opt"}
    assert {"lambda_dap_agent.py", "lambda_dap_agent.js"} <= set(targets[AGENT_FILES_MOUNT].names)
    assert isinstance(targets["/var/task"], VolumeMount) and targets["/var/task"].source == str(code)
    assert targets["/var/task"].name == targets["/opt"].name  # same content: one volume


def test_a_single_file_mount_is_one_clear_line(tmp_path):
    file = tmp_path / "settings.json"
    file.write_text("{}")
    spec = ContainerSpec(image="img", mounts=[Mount(str(file), "/var/task/settings.json")])
    with pytest.raises(EngineUnsuitable) as caught:
        remote_container_spec(spec, network_host=False)
    message = str(caught.value)
    assert str(file) in message and "is a file" in message and "\n" not in message


def settle(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        os.utime(path, (1_700_000_000, 1_700_000_000), follow_symlinks=False)  # long settled


@pytest.mark.parametrize("between", ["same process", "next run"])
def test_the_digest_of_an_unchanged_tree_is_remembered(tmp_path, monkeypatch, between):
    import lambda_dap.container.volumes as volumes

    root = tree(tmp_path / "a")
    settle(root)
    first = content_digest(root)
    if between == "next run":
        monkeypatch.setattr(volumes, "_digests", {})
        monkeypatch.setattr(volumes, "_on_disk", None)
    opened = []
    real_open = open

    def counting_open(path, *args, **kwargs):
        opened.append(Path(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    assert content_digest(root) == first
    assert not [path for path in opened if path.is_relative_to(root)]  # stats only, no file of it read
    (root / "app.py").write_text("changed")
    settle(root)
    assert content_digest(root) != first


def test_a_tree_changed_just_now_is_not_remembered(tmp_path):
    import lambda_dap.container.volumes as volumes

    root = tree(tmp_path / "a")
    content_digest(root)
    assert volumes._digests == {}
    assert not volumes.digest_cache_file().exists()


def test_paths_under_the_docker_volume_basedir_stay_bind_mounts(tmp_path):
    """--docker-volume-basedir keeps SAM's meaning: the user put the code on the engine's machine at that path."""
    base = tmp_path / "on-the-engine"
    layers = tree(tmp_path / "opt")
    spec = ContainerSpec(image="img", mounts=[Mount(str(base / "src"), "/var/task"), Mount(str(layers), "/opt")])
    remote = remote_container_spec(spec, network_host=False, hand_mounted=base)
    assert remote.mounts == [Mount(str(base / "src"), "/var/task")]
    assert {volume.target for volume in remote.volumes} == {AGENT_FILES_MOUNT, "/opt"}


def test_a_mounted_symlinks_target_is_copied_in_its_place(tmp_path):
    """Code whose top-level symlinks lambda-dap mounts where they point (node_modules, --mount-symlinks): the
    volume holds the targets' content at the links' names, a file as well as a directory."""
    code, shared = tmp_path / "code", tree(tmp_path / "shared")
    code.mkdir()
    (code / "app.py").write_text("import helper\n")
    os.symlink(shared / "app.py", code / "helper.py")
    os.symlink(shared / "pkg", code / "node_modules")
    spec = ContainerSpec(
        image="img",
        mounts=[
            Mount(str(code), "/var/task"),
            Mount(str(shared / "app.py"), "/var/task/helper.py"),
            Mount(str(shared / "pkg"), "/var/task/node_modules"),
        ],
    )
    remote = remote_container_spec(spec, network_host=False)
    (volume,) = [v for v in remote.volumes if v.target == "/var/task"]
    assert [v.target for v in remote.volumes] == [AGENT_FILES_MOUNT, "/var/task"]  # the links' mounts folded in
    with _archive(volume) as handle, tarfile.open(fileobj=handle) as tar:
        assert tar.getmember("helper.py").isreg()
        assert tar.extractfile("helper.py").read() == (shared / "app.py").read_bytes()
        assert tar.getmember("node_modules").isdir() and tar.getmember("node_modules/__init__.py").isreg()
    before = volume.name
    (shared / "app.py").write_text("changed elsewhere\n")
    again = remote_container_spec(spec, network_host=False)
    assert [v.name for v in again.volumes if v.target == "/var/task"] != [before]  # the target's content counts


@pytest.mark.parametrize(
    ("relative", "link", "expected"),
    [
        ("helper.py", "lib/helper.py", "lib/helper.py"),  # inside: kept as written
        ("pkg/mod.py", "../app.py", "../app.py"),
        ("shared", "../../libs/shared", "/libs/shared"),  # climbs out: where it points in the container
        ("pkg/up", "../..", "/var"),
        ("abs", "/usr/lib/x", "/usr/lib/x"),
    ],
)
def test_a_link_out_of_the_tree_points_where_the_mounted_one_would(relative, link, expected):
    from lambda_dap.container.volumes import link_text

    assert link_text(relative, link, "/var/task") == expected


def test_a_tree_with_a_link_out_of_it_archives(tmp_path):
    """The engine refuses to unpack a relative link that climbs out of its directory: it is archived as the
    absolute path it leads to in the container, and that makes it another volume wherever else it is mounted."""
    root = tree(tmp_path / "app" / "src")
    os.symlink("../../libs/shared", root / "shared")
    volume = volume_for(root, "/var/task")
    with _archive(volume) as handle, tarfile.open(fileobj=handle) as tar:
        assert tar.getmember("shared").linkname == "/libs/shared"
    assert volume_for(root, "/opt/python/lib").name != volume.name  # there it leads to /opt/libs/shared


def fake_interpreters(directory, *names: str) -> None:
    """Executables that say how they were started (their name, NODE_OPTIONS as they got it, their arguments)."""
    directory.mkdir(exist_ok=True)
    for name in names:
        script = directory / name
        script.write_text(f'#!/bin/sh\necho "{name}|${{NODE_OPTIONS-unset}}|${{LAMBDA_DAP_NODE_OPTIONS-unset}}|$*"\n')
        script.chmod(0o755)


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (("python3", "node"), "python3|--inspect-brk=9229|unset|/var/lambda-dap-files/lambda_dap_agent.py --python x"),
        (("node",), "node|unset|--inspect-brk=9229|/var/lambda-dap-files/lambda_dap_agent.js --python x"),
    ],
    ids=["python3-first", "node-alone"],
)
def test_the_entrypoint_runs_the_agent_of_the_first_interpreter_found(tmp_path, present, expected):
    """python3 first (as before), else node, whose agent runs without the function's NODE_OPTIONS (set aside for
    the launcher); launch.sh's arguments follow."""
    import subprocess

    from lambda_dap.invoke.spec import FIND_AGENT

    fake_interpreters(tmp_path / "bin", *present)
    done = subprocess.run(
        ["/bin/sh", "-c", FIND_AGENT, "lambda-dap-agent", "--python", "x"],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path / "bin"), "NODE_OPTIONS": "--inspect-brk=9229"},
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, expected, "")


def test_an_image_with_neither_interpreter_gets_one_line_from_the_entrypoint(tmp_path):
    import subprocess

    from lambda_dap.invoke.spec import FIND_AGENT

    fake_interpreters(tmp_path / "bin", "python", "nodejs")  # neither is a name the agents run on
    done = subprocess.run(
        ["/bin/sh", "-c", FIND_AGENT, "lambda-dap-agent"], capture_output=True, text=True, env={"PATH": str(tmp_path)}
    )
    assert (done.returncode, done.stdout) == (127, "")
    assert done.stderr == "lambda-dap: no python3 or node in this image for the agent of remote mode\n"


def test_agent_candidates_are_tried_as_the_entrypoint_tries_them():
    """Lambda's own places first, then the image's PATH, python3 before node: the pre-start check and the
    entrypoint agree on which agent runs."""
    from lambda_dap.invoke.spec import agent_candidates

    details = {"Config": {"Env": ["PATH=/var/lang/bin:/usr/bin/:relative:/bin", "OTHER=1"]}}
    assert agent_candidates(details) == [
        ("python3", "/var/lang/bin/python3"),
        ("python3", "/usr/bin/python3"),
        ("python3", "/bin/python3"),
        ("node", "/var/lang/bin/node"),
        ("node", "/usr/bin/node"),
        ("node", "/bin/node"),
    ]


def test_the_interpreter_check_asks_the_engine_in_order_and_stops_at_the_first(monkeypatch):
    import lambda_dap.invoke.remote as remote

    asked: list[str] = []

    class Engine:
        def path_exists(self, container_id: str, path: str) -> bool:
            asked.append(path)
            return path == "/usr/bin/node"

    monkeypatch.setattr(remote, "engine", lambda: Engine())
    candidates = [("python3", "/usr/bin/python3"), ("node", "/usr/bin/node"), ("node", "/bin/node")]
    assert remote.agent_interpreter("c1", candidates) == "node"
    assert asked == ["/usr/bin/python3", "/usr/bin/node"]
    assert remote.agent_interpreter("c1", candidates[:1]) is None
