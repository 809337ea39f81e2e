"""The cache key: the manifest's content, the runtime and the architecture, and nothing else."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lambda_dap.deps.cache import cache_key, cache_root
from lambda_dap.deps.manifest import Manifest


def manifest(tmp_path: Path, text: str = "six==1.17.0\n", **changes) -> Manifest:
    directory = tmp_path / changes.pop("where", "a")
    directory.mkdir(exist_ok=True)
    (directory / "requirements.txt").write_text(text)
    base = Manifest("pip", directory, directory / "requirements.txt", "python3.12", "x86_64")
    return dataclasses.replace(base, **changes)


def test_the_same_content_anywhere_shares_one_entry(tmp_path):
    first, second = manifest(tmp_path, where="one"), manifest(tmp_path, where="two")
    assert cache_key(first) == cache_key(second)
    assert cache_key(first).startswith("python3.12-x86_64-")


def test_content_runtime_and_architecture_each_change_the_key(tmp_path):
    base = manifest(tmp_path)
    keys = {
        cache_key(base),
        cache_key(manifest(tmp_path, "six==1.16.0\n", where="b")),
        cache_key(dataclasses.replace(base, runtime="python3.13")),
        cache_key(dataclasses.replace(base, architecture="arm64")),
    }
    assert len(keys) == 4


def test_a_node_lock_file_is_part_of_the_key(tmp_path):
    directory = tmp_path / "node"
    directory.mkdir()
    (directory / "package.json").write_text('{"dependencies": {"ms": "^2"}}')
    lock = directory / "package-lock.json"
    lock.write_text('{"lockfileVersion": 3, "v": 1}')
    without = Manifest("npm", directory, directory / "package.json", "nodejs20.x", "x86_64")
    with_lock = dataclasses.replace(without, lock=lock)
    before = cache_key(with_lock)
    lock.write_text('{"lockfileVersion": 3, "v": 2}')
    assert len({cache_key(without), before, cache_key(with_lock)}) == 3


def test_the_cache_lives_in_the_users_cache_directory(tmp_path):
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "lambda-dap" / "deps"
    home_cache = Path.home() / ".cache" / "lambda-dap" / "deps"
    assert cache_root({}) == home_cache
    assert cache_root({"XDG_CACHE_HOME": "relative/dir"}) == home_cache  # the XDG spec: relative paths are ignored


def test_files_a_requirements_txt_includes_are_part_of_the_key(tmp_path):
    from lambda_dap.deps.manifest import find_manifest

    code = tmp_path / "fn"
    (code / "reqs").mkdir(parents=True)
    (code / "requirements.txt").write_text("-r reqs/base.txt\n--constraint=reqs/pins.txt\nsix\n")
    (code / "reqs" / "base.txt").write_text("-r more.txt\nmarkupsafe\n")
    (code / "reqs" / "more.txt").write_text("idna\n")
    (code / "reqs" / "pins.txt").write_text("six==1.17.0\n")
    manifest = find_manifest(code_dir=code, runtime="python3.12", architecture="x86_64")
    assert manifest is not None
    assert manifest.includes == tuple((code / "reqs" / name).resolve() for name in ("base.txt", "pins.txt", "more.txt"))
    before = cache_key(manifest)
    (code / "reqs" / "more.txt").write_text("idna==3.10\n")
    assert cache_key(manifest) != before
