"""`lambda-dap cache list|prune`: the dependency cache's entries and the engine's content volumes, listed with their
sizes, removed when no container uses them (never one a container mounts), `--older-than` by last use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lambda_dap.cache.volumes import content_volumes, remove_volume
from lambda_dap.container.engine import Engine
from lambda_dap.container.volumes import CACHE_LABEL
from tests.conftest import CONTAINER_LABEL, SESSION_LABEL

DAY = 86400
LABELS = {CONTAINER_LABEL: "1", SESSION_LABEL.split("=", 1)[0]: SESSION_LABEL.split("=", 1)[1]}  # leak-checked


def run_cache(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lambda_dap", "cache", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def make_entry(root: Path, name: str, size: int, age_days: float) -> Path:
    entry = root / name
    (entry / "pkg").mkdir(parents=True)
    (entry / "pkg" / "data.bin").write_bytes(b"x" * size)
    used = time.time() - age_days * DAY
    os.utime(entry, (used, used))
    return entry


@pytest.fixture
def cache_home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    return tmp_path / "xdg" / "lambda-dap" / "deps", {"XDG_CACHE_HOME": str(tmp_path / "xdg")}


def test_prune_older_than_removes_only_entries_unused_that_long(cache_home):
    root, env = cache_home
    old = make_entry(root, "python3.12-x86_64-0000000000000001", 200_000, age_days=40)
    recent = make_entry(root, "python3.12-x86_64-0000000000000002", 10_000, age_days=2)
    half_built = root / ".python3.12-x86_64-0000000000000003.abc.tmp"
    half_built.mkdir()

    listed = run_cache("list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"Dependencies in {root}: 2 entries" in listed.stdout
    assert listed.stdout.index(old.name) < listed.stdout.index(recent.name)  # oldest use first

    dry = run_cache("prune", "--older-than", "30", "--no-volumes", "--dry-run", env=env)
    assert dry.stdout.startswith("Would remove 1 dependency entry (")
    assert old.exists()

    pruned = run_cache("prune", "--older-than", "30", "--no-volumes", env=env)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("Removed 1 dependency entry (")
    assert f"from {root}" in pruned.stdout
    assert not old.exists() and recent.exists() and half_built.exists()  # an install in progress is not an entry


def test_a_bad_older_than_is_a_usage_error(cache_home):
    _, env = cache_home
    run = run_cache("prune", "--older-than", "-1", env=env)
    assert run.returncode == 2
    assert "--older-than" in run.stderr and "Traceback" not in run.stderr


def test_reusing_an_entry_renews_its_last_use(tmp_path, monkeypatch):
    from lambda_dap.deps.install import install_dependencies
    from lambda_dap.deps.manifest import Manifest

    code = tmp_path / "fn"
    code.mkdir()
    (code / "requirements.txt").write_text("pkg\n")
    manifest = Manifest("pip", code, code / "requirements.txt", "python3.12", "x86_64")
    monkeypatch.setattr("lambda_dap.deps.pip.install_requirements", lambda manifest, target, stop: None)
    installed = install_dependencies(manifest, root=tmp_path / "cache")
    long_ago = time.time() - 90 * DAY
    os.utime(installed.directory, (long_ago, long_ago))
    install_dependencies(manifest, root=tmp_path / "cache")
    assert installed.directory.stat().st_mtime > long_ago + 89 * DAY


@pytest.mark.docker
def test_an_entry_a_container_mounts_is_kept(cache_home, docker_client, lambda_images):
    root, env = cache_home
    entry = make_entry(root, "python3.12-x86_64-00000000000000aa", 1000, age_days=100)
    container = docker_client.containers.create(
        lambda_images["debian"],
        ["sleep", "60"],
        labels=dict(
            label.split("=", 1) if "=" in label else (label, "1") for label in (CONTAINER_LABEL, SESSION_LABEL)
        ),
        volumes={str(entry): {"bind": "/var/lambda-dap-deps", "mode": "ro"}},
    )
    try:
        pruned = run_cache("prune", "--no-volumes", env=env)
        assert pruned.returncode == 0, pruned.stderr
        assert pruned.stdout.startswith("Removed 0 dependency entries (0 B)")
        assert pruned.stdout.rstrip().endswith("; 1 entry in use kept")
        assert entry.exists()
    finally:
        container.remove(force=True)
    assert run_cache("prune", "--no-volumes", env=env).stdout.startswith("Removed 1 dependency entry")
    assert not entry.exists()


@pytest.mark.docker
def test_content_volumes_are_listed_and_only_unused_ones_removed(docker_client, lambda_images):
    engine = Engine()
    names = [f"lambda-dap-cache-test-{uuid.uuid4().hex[:12]}" for _ in range(2)]
    for name in names:
        docker_client.volumes.create(name, labels={CACHE_LABEL: "1"})
    container = docker_client.containers.create(
        lambda_images["debian"],
        ["true"],
        labels=dict(
            label.split("=", 1) if "=" in label else (label, "1") for label in (CONTAINER_LABEL, SESSION_LABEL)
        ),
        volumes={names[0]: {"bind": "/data", "mode": "ro"}},
    )
    try:
        listed = {volume.name: volume for volume in content_volumes(engine)}
        assert set(names) <= set(listed)
        assert all(listed[name].created is not None for name in names)

        dry = run_cache("prune", "--no-dependencies", "--dry-run", env={})
        assert dry.returncode == 0, dry.stderr
        assert "Would remove " in dry.stdout and "in use kept" in dry.stdout

        assert remove_volume(engine, names[0]) is False  # a container uses it: the engine refuses
        assert remove_volume(engine, names[1]) is True
        assert remove_volume(engine, names[1]) is False  # gone already
        remaining = {volume.name for volume in content_volumes(engine)}
        assert names[0] in remaining and names[1] not in remaining
    finally:
        container.remove(force=True)
        for name in names:
            remove_volume(engine, name)
