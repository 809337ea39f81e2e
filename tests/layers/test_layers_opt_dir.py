"""prepare_opt_dir with local layers: directories, zips, merging, caching, errors."""

from __future__ import annotations

import os
import stat
import threading
import zipfile
from pathlib import Path

import pytest

import lambda_dap.layers.opt as opt
from lambda_dap.config.credentials import AwsContext
from lambda_dap.errors import LayerError
from lambda_dap.layers import default_layer_cache_dir, prepare_opt_dir
from lambda_dap.layers.arn import LayerArn
from lambda_dap.layers.unzip import extract_zip
from lambda_dap.template.model import Layer

AWS = AwsContext("us-east-1", "defaultkey", "defaultsecret", None, None)


def make_dir(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def make_zip(path: Path, files: dict[str, tuple[str, int]]) -> Path:
    """A zip made 'on unix': each entry's mode in external_attr."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, (content, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, content)
    return path


def prepare(layers: list[Layer], cache: Path, **kwargs) -> Path | None:
    messages: list[str] = kwargs.pop("messages", [])
    return prepare_opt_dir(layers, cache_dir=cache, aws=AWS, log=messages.append, **kwargs)


def files_under(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(cache: Path) -> list[str]:
    """Temporary files or directories anywhere in the cache."""
    return [str(p) for p in cache.rglob("*") if p.name.endswith((".tmp", ".old", ".zip"))]


def test_no_layers_is_none(tmp_path: Path) -> None:
    assert prepare([], tmp_path / "cache") is None


def test_single_local_dir_is_used_as_is(tmp_path: Path) -> None:
    layer_dir = make_dir(tmp_path / "layer", {"python/lib.py": "x = 1\n"})
    assert prepare([Layer("LibLayer", content_path=layer_dir)], tmp_path / "cache") == layer_dir


def test_cache_dir_is_private(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    prepare([Layer("L", content_path=make_dir(tmp_path / "l", {"a": "1"}))], cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_local_zip_keeps_the_executable_bit_and_is_extracted_once(tmp_path: Path, monkeypatch) -> None:
    archive = make_zip(
        tmp_path / "layer.zip",
        {"bin/tool": ("#!/bin/sh\necho hi\n", 0o755), "python/lib.py": ("x = 1\n", 0o644)},
    )
    cache = tmp_path / "cache"
    opt_dir = prepare([Layer("ZipLayer", content_path=archive)], cache)
    assert opt_dir is not None
    assert opt_dir.parent == cache / "local"
    assert len(opt_dir.name) == 16
    assert files_under(opt_dir) == {"bin/tool": "#!/bin/sh\necho hi\n", "python/lib.py": "x = 1\n"}
    assert os.access(opt_dir / "bin" / "tool", os.X_OK)
    assert stat.S_IMODE((opt_dir / "python" / "lib.py").stat().st_mode) == 0o644
    assert stat.S_IMODE(opt_dir.stat().st_mode) == 0o755

    def must_not_extract(*args, **kwargs):
        raise AssertionError("extracted again")

    monkeypatch.setattr(opt, "extract_zip", must_not_extract)
    assert prepare([Layer("ZipLayer", content_path=archive)], cache) == opt_dir
    assert leftovers(cache) == []


def test_changed_zip_gets_a_new_directory(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    archive = make_zip(tmp_path / "layer.zip", {"a.txt": ("one", 0o644)})
    first = prepare([Layer("Z", content_path=archive)], cache)
    make_zip(archive, {"a.txt": ("two", 0o644)})
    second = prepare([Layer("Z", content_path=archive)], cache)
    assert first != second
    assert second is not None and (second / "a.txt").read_text() == "two"


def test_several_layers_merge_in_order_later_wins(tmp_path: Path) -> None:
    first = make_dir(tmp_path / "first", {"python/shared.py": "first", "python/only_first.py": "1"})
    second_zip = make_zip(
        tmp_path / "second.zip",
        {"python/shared.py": ("second", 0o644), "bin/run": ("#!/bin/sh\n", 0o755)},
    )
    third = make_dir(tmp_path / "third", {"python/only_third.py": "3"})
    cache = tmp_path / "cache"
    layers = [Layer("A", content_path=first), Layer("B", content_path=second_zip), Layer("C", content_path=third)]
    merged = prepare(layers, cache)
    assert merged is not None and merged.parent == cache / "merged"
    assert files_under(merged) == {
        "bin/run": "#!/bin/sh\n",
        "python/only_first.py": "1",
        "python/only_third.py": "3",
        "python/shared.py": "second",
    }
    assert os.access(merged / "bin" / "run", os.X_OK)
    assert (merged / "python" / "only_first.py").stat().st_ino == (first / "python" / "only_first.py").stat().st_ino

    reversed_merge = prepare(list(reversed(layers)), cache)
    assert reversed_merge != merged
    assert reversed_merge is not None and (reversed_merge / "python" / "shared.py").read_text() == "first"
    assert leftovers(cache) == []


def test_merged_dir_is_reused_while_inputs_are_unchanged(tmp_path: Path, monkeypatch) -> None:
    a = make_dir(tmp_path / "a", {"x.txt": "a"})
    b = make_dir(tmp_path / "b", {"y.txt": "b"})
    cache = tmp_path / "cache"
    layers = [Layer("A", content_path=a), Layer("B", content_path=b)]
    merged = prepare(layers, cache)

    calls: list[object] = []
    real_merge = opt.merge_into
    monkeypatch.setattr(opt, "merge_into", lambda *args: calls.append(args) or real_merge(*args))
    assert prepare(layers, cache) == merged
    assert calls == []

    (b / "y.txt").write_text("changed, and longer")
    rebuilt = prepare(layers, cache)
    assert rebuilt != merged
    assert len(calls) == 1
    assert rebuilt is not None and (rebuilt / "y.txt").read_text() == "changed, and longer"


def test_force_rebuilds_the_merged_dir(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    layers = [Layer("A", content_path=make_dir(tmp_path / "a", {"x": "a"})), Layer("B", content_path=tmp_path / "a")]
    merged = prepare(layers, cache)
    assert merged is not None
    (merged / "marker").write_text("stale")
    assert prepare(layers, cache, force=True) == merged
    assert not (merged / "marker").exists()


def test_concurrent_merges_build_one_directory(tmp_path: Path) -> None:
    a = make_dir(tmp_path / "a", {f"f{i}.txt": str(i) for i in range(200)})
    b = make_dir(tmp_path / "b", {"y.txt": "b"})
    cache = tmp_path / "cache"
    layers = [Layer("A", content_path=a), Layer("B", content_path=b)]
    results: list[Path | None] = []
    threads = [threading.Thread(target=lambda: results.append(prepare(layers, cache))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert len(list((cache / "merged").iterdir())) == 2  # the merged dir and .locks
    assert leftovers(cache) == []


def test_symlinks_survive_the_merge(tmp_path: Path) -> None:
    a = make_dir(tmp_path / "a", {"lib/libx.so.1": "elf"})
    (a / "lib" / "libx.so").symlink_to("libx.so.1")
    b = make_dir(tmp_path / "b", {"other": "b"})
    merged = prepare([Layer("A", content_path=a), Layer("B", content_path=b)], tmp_path / "cache")
    assert merged is not None
    assert os.readlink(merged / "lib" / "libx.so") == "libx.so.1"


# --- errors ----------------------------------------------------------------------------------------------------


def test_missing_local_path(tmp_path: Path) -> None:
    with pytest.raises(LayerError) as raised:
        prepare([Layer("Gone", content_path=tmp_path / "gone")], tmp_path / "cache")
    assert str(raised.value) == f"Layer Gone: {tmp_path / 'gone'} does not exist"


def test_local_file_that_is_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "layer.tar").write_text("x")
    with pytest.raises(LayerError) as raised:
        prepare([Layer("Tar", content_path=tmp_path / "layer.tar")], tmp_path / "cache")
    assert str(raised.value) == f"Layer Tar: {tmp_path / 'layer.tar'} is neither a directory nor a .zip file"


def test_layer_without_content(tmp_path: Path) -> None:
    with pytest.raises(LayerError) as raised:
        prepare([Layer("Empty")], tmp_path / "cache")
    assert str(raised.value) == "Layer Empty has neither a local ContentUri nor an ARN"


def test_corrupt_zip_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really a zip")
    cache = tmp_path / "cache"
    with pytest.raises(LayerError) as raised:
        prepare([Layer("Bad", content_path=tmp_path / "bad.zip")], cache)
    assert str(raised.value).startswith("Layer Bad: bad.zip is not a valid zip file")
    assert [p.name for p in (cache / "local").iterdir()] == [".locks"]


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt"])
def test_zip_entries_cannot_escape(tmp_path: Path, name: str) -> None:
    archive = make_zip(tmp_path / "evil.zip", {name: ("x", 0o644)})
    with pytest.raises(LayerError) as raised:
        prepare([Layer("Evil", content_path=archive)], tmp_path / "cache")
    assert str(raised.value) == f"Layer Evil: zip entry '{name}' escapes the layer directory"
    assert not (tmp_path / "evil.txt").exists()


def test_zip_symlink_cannot_lead_writes_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("link")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, str(outside))
        zf.writestr("link/evil.txt", "x")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(LayerError, match="escapes the layer directory"):
        extract_zip(archive, dest, what="L")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:lambda:us-east-1:123456789012:layer:name",
        "arn:aws:lambda:us-east-1:123456789012:function:name:1",
        "arn:aws:lambda:us-east-1:12345:layer:name:1",
        "not-an-arn",
    ],
)
def test_malformed_arn(tmp_path: Path, arn: str) -> None:
    with pytest.raises(LayerError) as raised:
        prepare([Layer(arn, arn=arn)], tmp_path / "cache")
    assert str(raised.value) == (
        f"'{arn}' is an Invalid Layer Arn. Expected arn:aws:lambda:<region>:<account>:layer:<name>:<version>"
    )


def test_arn_cache_name_matches_sams() -> None:
    arn = LayerArn.parse("arn:aws:lambda:eu-west-1:123456789012:layer:my-layer:7")
    assert (arn.region, arn.name, arn.version) == ("eu-west-1", "my-layer", 7)
    assert arn.layer_arn == "arn:aws:lambda:eu-west-1:123456789012:layer:my-layer"
    assert arn.cache_name == "my-layer-7-c14a4d944b"


# --- the cache location ------------------------------------------------------------------------------------------


def test_default_cache_dir(monkeypatch) -> None:
    monkeypatch.delenv("SAM_LAYER_CACHE_BASEDIR", raising=False)
    assert default_layer_cache_dir() == Path.home() / ".aws-sam" / "layers-pkg"


def test_cache_dir_from_sam_variable(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAM_LAYER_CACHE_BASEDIR", str(tmp_path / "layers"))
    assert default_layer_cache_dir() == tmp_path / "layers"


def test_leftovers_of_a_killed_build_are_swept(tmp_path: Path) -> None:
    import hashlib

    archive = make_zip(tmp_path / "layer.zip", {"a.txt": ("a", 0o644)})
    name = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    stale = tmp_path / "cache" / "local" / f".{name}.k1ll3d.tmp"
    make_dir(stale, {"half.txt": "half"})
    opt_dir = prepare([Layer("Z", content_path=archive)], tmp_path / "cache")
    assert opt_dir == tmp_path / "cache" / "local" / name
    assert not stale.exists()


def test_unusable_cache_dir_is_a_layer_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    archive = make_zip(tmp_path / "layer.zip", {"a.txt": ("a", 0o644)})
    with pytest.raises(LayerError) as raised:
        prepare([Layer("Z", content_path=archive)], blocker / "cache")
    assert str(raised.value).startswith(f"Cannot prepare layers in the layer cache {blocker / 'cache'}: ")
