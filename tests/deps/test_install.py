"""The cache entry is installed once, whole or not at all, with a fake pip (the real ones: test_installers.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lambda_dap.deps.install import NODE_TARGET, PYTHON_TARGET, install_dependencies
from lambda_dap.deps.manifest import Manifest
from lambda_dap.errors import DependencyError


class FakePip:
    """Writes a package into the target, slowly enough for a second caller to arrive meanwhile; or fails."""

    def __init__(self, fail: str | None = None) -> None:
        self.calls = 0
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, manifest: Manifest, target: Path, stop: threading.Event | None = None) -> None:
        with self.lock:
            self.calls += 1
        (target / "pkg").mkdir()
        (target / "pkg" / "__init__.py").write_text("VALUE = 1\n")
        time.sleep(0.2)
        if self.fail:
            raise DependencyError(self.fail)


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "requirements.txt").write_text("pkg\n")
    return Manifest("pip", code, code / "requirements.txt", "python3.12", "x86_64")


def fake_pip(monkeypatch, **options) -> FakePip:
    fake = FakePip(**options)
    monkeypatch.setattr("lambda_dap.deps.pip.install_requirements", fake)
    return fake


def entries(root: Path) -> list[str]:
    return sorted(path.name for path in root.iterdir() if path.name != ".locks") if root.exists() else []


def test_installed_once_then_reused_and_reported_only_when_installing(tmp_path, manifest, monkeypatch):
    fake = fake_pip(monkeypatch)
    reported: list[object] = []
    first = install_dependencies(
        manifest, root=tmp_path / "cache", on_start=lambda: reported.append("start"), on_done=reported.append
    )
    assert (first.directory / "pkg" / "__init__.py").is_file()
    assert (first.target, first.python_path) == (PYTHON_TARGET, PYTHON_TARGET)
    assert reported[0] == "start" and isinstance(reported[1], float) and len(reported) == 2
    reported.clear()
    second = install_dependencies(
        manifest, root=tmp_path / "cache", on_start=lambda: reported.append("start"), on_done=reported.append
    )
    assert (second.directory, fake.calls, reported) == (first.directory, 1, [])


def test_concurrent_invokes_of_one_manifest_install_it_once(tmp_path, manifest, monkeypatch):
    fake = fake_pip(monkeypatch)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(install_dependencies(manifest, root=tmp_path / "c").directory))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert fake.calls == 1
    assert len(set(results)) == 1 and len(results) == 3
    assert entries(tmp_path / "c") == [results[0].name]


def test_a_failed_install_leaves_nothing_in_the_cache(tmp_path, manifest, monkeypatch):
    fake_pip(monkeypatch, fail="requirements.txt: nosuchpkg: no such package")
    with pytest.raises(DependencyError, match="nosuchpkg"):
        install_dependencies(manifest, root=tmp_path / "cache")
    assert entries(tmp_path / "cache") == []


def test_a_changed_manifest_installs_again_and_force_reinstalls(tmp_path, manifest, monkeypatch):
    fake = fake_pip(monkeypatch)
    first = install_dependencies(manifest, root=tmp_path / "cache")
    manifest.path.write_text("pkg==2\n")
    second = install_dependencies(manifest, root=tmp_path / "cache")
    assert second.directory != first.directory and fake.calls == 2
    install_dependencies(manifest, root=tmp_path / "cache", force=True)
    assert fake.calls == 3
    assert entries(tmp_path / "cache") == sorted([first.directory.name, second.directory.name])


def test_node_packages_mount_their_node_modules_where_require_and_import_look(tmp_path, monkeypatch):
    code = tmp_path / "fn"
    code.mkdir()
    (code / "package.json").write_text('{"dependencies": {"left-pad": "1"}}')
    monkeypatch.setattr(
        "lambda_dap.deps.npm.install_packages", lambda manifest, target, stop: None
    )  # nothing for linux
    manifest = Manifest("npm", code, code / "package.json", "nodejs20.x", "arm64")
    installed = install_dependencies(manifest, root=tmp_path / "cache")
    assert installed.directory.name == "node_modules" and installed.directory.is_dir()
    assert (installed.target, installed.python_path) == (NODE_TARGET, None)


def test_an_unwritable_cache_is_one_clear_error(tmp_path, manifest, monkeypatch):
    fake_pip(monkeypatch)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DependencyError, match=r"Cannot install the dependencies of .*requirements\.txt in the cache"):
        install_dependencies(manifest, root=blocker / "cache")
