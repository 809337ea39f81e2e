"""Shared-files mode's container, decided without an engine: remote mode's agent, tmpfs and attached stdio, but this
machine's paths bind-mounted (and refused, not mounted empty, when the engine cannot see them); the engine's refusal
of a path, as Docker Desktop and a Linux engine word it, turns that mount alone into a volume, with a notice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lambda_dap.container.spec import ContainerSpec, Mount
from lambda_dap.errors import ContainerError, EngineError
from lambda_dap.invoke.shared import SharedFiles, refused_sources
from lambda_dap.invoke.spec import AGENT_FILES_MOUNT, container_files, remote_container_spec
from lambda_dap.runtime.rundir import MOUNT as RUN_DIR_MOUNT

DESKTOP_REFUSAL = (
    "Mounts denied: \nThe path {path} is not shared from the host and is not known to Docker.\n"
    "You can configure shared paths from Docker -> Preferences... -> Resources -> File Sharing.\n"
    "See https://docs.docker.com/desktop/settings/mac/#file-sharing for more info."
)
LINUX_REFUSAL = 'invalid mount config for type "bind": bind source path does not exist: {path}'


@pytest.fixture(autouse=True)
def _own_digest_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def function_spec(tmp_path: Path) -> tuple[ContainerSpec, Path, Path]:
    """A local engine's container with code and layers: (spec, code dir, layers dir)."""
    code, layers = tmp_path / "code", tmp_path / "opt"
    for directory in (code, layers):
        directory.mkdir()
        (directory / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (layers / "more.py").write_text("")
    spec = ContainerSpec(
        image="img",
        entrypoint=["/bin/sh", f"{RUN_DIR_MOUNT}/launch.sh"],
        mounts=[
            Mount(str(tmp_path / "run"), RUN_DIR_MOUNT, read_only=False),
            Mount(str(code), "/var/task"),
            Mount(str(layers), "/opt"),
        ],
    )
    return spec, code, layers


def test_every_path_is_bind_mounted_and_the_network_carried(tmp_path):
    spec, code, layers = function_spec(tmp_path)
    shared = SharedFiles(spec, network_host=False, hand_mounted=None, engine_name="Docker Desktop").spec()
    assert shared.volumes == []
    assert {(m.source, m.target) for m in shared.mounts} == {
        (str(container_files()[0].parent), AGENT_FILES_MOUNT),
        (str(code), "/var/task"),
        (str(layers), "/opt"),
    }
    assert shared.binds_must_exist  # an unshared path is refused, never mounted as an empty directory
    assert shared.tmpfs.keys() == {RUN_DIR_MOUNT} and shared.attach_stdio and shared.log_driver == "none"
    assert "lambda_dap_agent.py" in shared.entrypoint[2]
    assert shared.environment["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    remote = remote_container_spec(spec, network_host=False)
    assert (remote.entrypoint, remote.command, remote.tmpfs) == (shared.entrypoint, shared.command, shared.tmpfs)
    assert not remote.binds_must_exist


@pytest.mark.parametrize("wording", [DESKTOP_REFUSAL, LINUX_REFUSAL], ids=["docker-desktop", "linux-engine"])
def test_a_refused_path_alone_becomes_a_volume_with_a_notice(tmp_path, wording):
    spec, code, layers = function_spec(tmp_path)
    notices = []
    sharing = SharedFiles(
        spec, network_host=False, hand_mounted=None, engine_name="Docker Desktop", notice=notices.append
    )
    tried = sharing.spec()
    cause = EngineError(500, wording.format(path=code).splitlines()[0], wording.format(path=code))
    error = ContainerError("Cannot start the container from img: " + cause.message)
    error.__cause__ = cause
    retry = sharing.after_refusal(error, tried)
    assert retry is not None
    assert [(v.source, v.target) for v in retry.volumes] == [(str(code), "/var/task")]
    assert str(code) not in {m.source for m in retry.mounts} and str(layers) in {m.source for m in retry.mounts}
    assert notices == [
        f"Docker Desktop does not share {code} with its containers: copied into a Docker volume instead (again "
        "after each change); to bind-mount it, add it (or a folder above) in Docker Desktop's Settings > "
        "Resources > File sharing"
    ]
    assert sharing.after_refusal(ContainerError("Cannot start the container from img: port is taken"), retry) is None


def test_a_refusal_naming_no_mount_copies_them_all(tmp_path):
    spec, code, layers = function_spec(tmp_path)
    notices = []
    sharing = SharedFiles(spec, network_host=False, hand_mounted=None, engine_name="OrbStack", notice=notices.append)
    retry = sharing.after_refusal(
        ContainerError("Mounts denied: { errno = [EACCES]; call = getattrlist }"), sharing.spec()
    )
    assert retry is not None and retry.mounts == []
    assert {v.target for v in retry.volumes} == {AGENT_FILES_MOUNT, "/var/task", "/opt"}
    files = container_files()[0].parent
    assert notices == [
        f"OrbStack does not share {files}, {code}, {layers} with its containers: copied into a Docker volume instead "
        "(again after each change); to bind-mount them, share them with OrbStack"
    ]
    assert sharing.after_refusal(ContainerError("Mounts denied"), retry) is None  # nothing left to copy: the error


def test_refusals_are_read_as_the_engines_word_them(tmp_path):
    spaced = "/Users/me/My Project/src"
    assert refused_sources(DESKTOP_REFUSAL.format(path=spaced), [spaced, "/Users/me/lib"]) == [spaced]
    old = "Mounts denied:\nThe paths /srv/code and /srv/layers\nare not shared from OS X and are not known to Docker."
    assert refused_sources(old, ["/srv/code", "/srv/layers", "/Users/me/deps"]) == ["/srv/code", "/srv/layers"]
    assert refused_sources(DESKTOP_REFUSAL.format(path="/srv"), ["/srv/app/code", "/Users/x"]) == ["/srv/app/code"]
    assert refused_sources(LINUX_REFUSAL.format(path="/a/b"), ["/a/bc", "/a/b"]) == ["/a/b"]
    assert refused_sources("No such image: img", ["/a/b"]) is None
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "link")  # macOS: /tmp is /private/tmp, and Desktop may name either
    assert refused_sources(LINUX_REFUSAL.format(path=real), [str(tmp_path / "link")]) == [str(tmp_path / "link")]


def test_paths_refused_before_are_copied_at_once_without_a_notice(tmp_path):
    spec, code, _ = function_spec(tmp_path)
    notices = []
    sharing = SharedFiles(
        spec,
        network_host=False,
        hand_mounted=None,
        engine_name="Docker Desktop",
        notice=notices.append,
        unshared=[str(code)],
    )
    assert [v.source for v in sharing.spec().volumes] == [str(code)] and notices == []


def test_a_symlinked_directory_is_grafted_only_into_a_copied_parent(tmp_path):
    spec, code, _ = function_spec(tmp_path)
    shared_lib = tmp_path / "shared_lib"
    shared_lib.mkdir()
    (shared_lib / "util.py").write_text("")
    os.symlink(shared_lib, code / "lib")
    spec.mounts.append(Mount(str(shared_lib), "/var/task/lib"))  # as plan.symlink_mounts adds it
    bound = SharedFiles(spec, network_host=False, hand_mounted=None, engine_name="Docker Desktop").spec()
    assert (str(shared_lib), "/var/task/lib") in {(m.source, m.target) for m in bound.mounts}
    copied = SharedFiles(spec, network_host=False, hand_mounted=None, engine_name="x", unshared=[str(code)]).spec()
    (code_volume,) = [v for v in copied.volumes if v.target == "/var/task"]
    assert code_volume.grafts == (("lib", str(shared_lib)),)
    assert "/var/task/lib" not in {m.target for m in copied.mounts}
