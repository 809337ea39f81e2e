"""Directories of this machine as Docker volumes, for an engine that cannot see this machine's files.

Each directory a container would bind-mount becomes a named volume, `lambda-dap-cache-<content hash>`, filled once
through the Engine API: a throwaway container (created, never started) mounts the volumes that lack their marker
file and gets each directory as a tar archive, the marker last. An interrupted fill leaves no marker, so the next
run fills again. The same content is the same volume: a second invoke, or another project with the same
dependencies, copies nothing. The volumes are a cache, labelled `lambda-dap.cache=1`:
`docker volume prune --filter label=lambda-dap.cache=1` empties it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import posixpath
import socket
import stat
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from lambda_dap.container.engine import LABEL, Engine
from lambda_dap.container.spec import VolumeMount
from lambda_dap.errors import ContainerError, EngineError
from lambda_dap.memo import read_memo, write_memo

log = logging.getLogger(__name__)

CACHE_LABEL = "lambda-dap.cache"
FILLER_LABEL = "lambda-dap.fill"
PREFIX = "lambda-dap-cache-"
MARKER = ".lambda-dap-complete"
FILL_ROOT = "/fill"
FILLER_PREFIX = "lambda-dap-fill-"
OTHER_FILLER_POLL_S = 0.1
NOTICE_BYTES = 1_000_000  # a copy this big is said as it begins: it may take a while over a slow link
_CHUNK = 1 << 20
RACY_NS = 2_000_000_000  # a file modified within 2 s may change again within its timestamp's granularity

_digests: dict[tuple[str, str], str] = {}  # (directory, fingerprint of its stats) -> content digest
_on_disk: dict[str, str] | None = None  # the same, remembered between runs ("directory\0fingerprint")
REMEMBERED = 512
_digests_lock = threading.Lock()


def volume_for(
    source: Path,
    target: str,
    *,
    read_only: bool = True,
    names: tuple[str, ...] = (),
    grafts: tuple[tuple[str, str], ...] = (),
) -> VolumeMount:
    """The volume holding directory `source` (only its entries `names`, when given), mounted at `target`;
    `grafts` put the content of other paths (files or directories) at top-level names, in place of what is there
    (a symlink the container would have had mounted where it points)."""
    digest = content_digest(source, names, grafts, target)
    return VolumeMount(PREFIX + digest[:32], target, str(source), read_only, names, grafts)


def content_digest(
    directory: Path, names: tuple[str, ...] = (), grafts: tuple[tuple[str, str], ...] = (), target: str = "/"
) -> str:
    """sha256 over every entry's relative path, kind, permission bits and content (a link: its target).

    The digest of an unchanged directory (same paths, sizes and modification times, none of them recent) is
    remembered for the process.
    """
    entries = list(_entries(directory, names, grafts))
    fingerprint = hashlib.sha256()
    for relative, _, info in entries:
        fingerprint.update(f"{relative}\0{info.st_mode}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    key = (f"{directory}\0{target}", fingerprint.hexdigest())
    with _digests_lock:
        known = _digests.get(key) or _remembered().get("\0".join(key))
    if known is not None:
        return known
    digest = hashlib.sha256()
    for relative, path, info in entries:
        kind = "l" if stat.S_ISLNK(info.st_mode) else "d" if stat.S_ISDIR(info.st_mode) else "f"
        digest.update(f"{kind}\0{relative}\0{stat.S_IMODE(info.st_mode):o}\0".encode())
        if kind == "l":
            digest.update(link_text(relative, os.readlink(path), target).encode())
        elif kind == "f":
            with open(path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        digest.update(b"\n")
    value = digest.hexdigest()
    settled = time.time_ns() - RACY_NS
    if all(info.st_mtime_ns < settled for _, _, info in entries):  # a file changed just now may change unseen
        with _digests_lock:
            _digests[key] = value
            _remember("\0".join(key), value)
    return value


def digest_cache_file() -> Path:
    """Where digests are remembered between runs (a big dependency tree is then only stat'ed, not read)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lambda-dap" / "content-digests.json"


def _remembered() -> dict[str, str]:
    global _on_disk
    if _on_disk is None:
        loaded = read_memo(digest_cache_file())
        _on_disk = loaded if isinstance(loaded, dict) else {}
    return _on_disk


def _remember(key: str, value: str) -> None:
    known = _remembered()
    known.pop(key, None)
    known[key] = value  # the newest last: the oldest go first
    for stale in list(known)[: max(0, len(known) - REMEMBERED)]:
        del known[stale]
    write_memo(digest_cache_file(), known)


def _entries(
    directory: Path, names: tuple[str, ...] = (), grafts: tuple[tuple[str, str], ...] = ()
) -> Iterator[tuple[str, Path, os.stat_result]]:
    """(relative path, path, lstat) of every directory, regular file and link under `directory`, sorted; then
    each graft's (its top-level entry stat'ed through the link)."""
    grafted = {name for name, _ in grafts}
    if names:
        for name in sorted(set(names) - grafted):
            path = directory / name
            yield name, path, path.lstat()
    else:
        yield from _walk(directory, "", skip=grafted)
    for name, source in sorted(grafts):
        path = Path(source)
        info = path.stat()
        yield name, path, info
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path, f"{name}/")


def _walk(directory: Path, prefix: str, skip: set[str] = frozenset()) -> Iterator[tuple[str, Path, os.stat_result]]:
    for root, dirs, files in os.walk(directory):
        base = Path(root)
        relative_root = base.relative_to(directory).as_posix()
        if relative_root == ".":
            dirs[:] = [name for name in dirs if name not in skip]
            files = [name for name in files if name not in skip]
        dirs.sort()
        for name in sorted([*dirs, *files]):
            path = base / name
            info = path.lstat()
            if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
                yield prefix + (name if relative_root == "." else f"{relative_root}/{name}"), path, info


def ensure_volumes(engine: Engine, volumes: list[VolumeMount]) -> None:
    """Create the volumes that do not exist yet (labelled as lambda-dap's cache); one request when all do."""
    wanted = {volume.name for volume in volumes}
    if not wanted:
        return
    try:
        present = set(engine.list_volumes(f"{CACHE_LABEL}=1"))
        for name in sorted(wanted - present):
            engine.create_volume(name, {CACHE_LABEL: "1", LABEL: "1"})
    except EngineError as e:
        raise ContainerError(f"Cannot create the Docker volumes for the function's files: {e.message}") from e


def fill_missing(
    engine: Engine,
    container_id: str,
    image: str,
    volumes: list[VolumeMount],
    labels: dict,
    notice: Callable[[str], None] = lambda text: None,
) -> int:
    """Fill every volume that the (created, not started) container `container_id` sees without its marker; the
    number of volumes this process filled (another lambda-dap filling one at the same time is waited for).
    `notice` hears of each copy as it begins."""
    filled = 0
    for volume in volumes:
        if not engine.path_exists(container_id, f"{volume.target}/{MARKER}"):
            filled += _fill(engine, container_id, image, volume, labels, notice)
    return filled


def _fill(
    engine: Engine, container_id: str, image: str, volume: VolumeMount, labels: dict, notice: Callable[[str], None]
) -> int:
    """Copy `volume.source` into the volume through a throwaway container named after the volume: the engine lets
    one such name exist at a time, so two lambda-daps never write the same volume at once. 1 when we filled it."""
    name = FILLER_PREFIX + volume.name[len(PREFIX) :]
    config = {
        "Image": image,
        "Entrypoint": ["lambda-dap-fill"],  # never started: only its mount matters
        "Labels": {**labels, LABEL: "1", FILLER_LABEL: volume.name},
        "HostConfig": {"Mounts": [{"Type": "volume", "Source": volume.name, "Target": FILL_ROOT}]},
    }
    while True:
        try:
            filler = engine.create_container(config, name=name)
            break
        except EngineError as e:
            if e.status != 409:
                raise ContainerError(f"Cannot create a container to copy {volume.source} in: {e.message}") from e
        log.debug("another lambda-dap fills volume %s: waiting for it", volume.name)
        if _wait_for_other_filler(engine, container_id, volume, name):
            return 0
    log.debug("copying %s into volume %s", volume.source, volume.name)
    try:
        with _archive(volume) as archive:
            size = os.fstat(archive.fileno()).st_size
            if size >= NOTICE_BYTES:
                notice(
                    f"Copying {volume.source} ({size / 1e6:.1f} MB) to the Docker engine, once: "
                    f"volume {volume.name} keeps it for the next invokes"
                )
            engine.put_archive(filler, FILL_ROOT, archive)
        log.debug("filled volume %s from %s (%d bytes of tar)", volume.name, volume.source, size)
    except EngineError as e:
        raise ContainerError(f"Cannot copy {volume.source} to the Docker engine: {e.message}") from e
    finally:
        with contextlib.suppress(EngineError, ContainerError):
            engine.remove(filler)
    return 1


def _wait_for_other_filler(engine: Engine, container_id: str, volume: VolumeMount, name: str) -> bool:
    """Another filler of this volume exists: True once the volume is complete, False once that filler is gone
    without completing it (ours next). A filler whose lambda-dap died is removed."""
    from lambda_dap.container.reaper import orphans

    host = socket.gethostname()
    while True:
        if engine.path_exists(container_id, f"{volume.target}/{MARKER}"):
            return True
        holders = engine.list_containers(f"{FILLER_LABEL}={volume.name}")
        if not any(name in [n.lstrip("/") for n in holder.get("Names") or []] for holder in holders):
            return False
        for orphan in orphans(holders, host):
            with contextlib.suppress(EngineError):
                engine.remove(orphan)
        time.sleep(OTHER_FILLER_POLL_S)


@contextlib.contextmanager
def _archive(volume: VolumeMount) -> Iterator[BinaryIO]:
    """A temporary tar file of the volume's source directory, owned by root, the marker file last."""
    source = Path(volume.source)
    with tempfile.TemporaryFile(prefix="lambda-dap-fill-") as handle:
        with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for relative, path, entry in _entries(source, volume.names, volume.grafts):
                info = _member(relative, path, entry, volume.target)
                if info.isreg():
                    with open(path, "rb") as content:
                        tar.addfile(info, content)
                else:
                    tar.addfile(info)
            marker = tarfile.TarInfo(MARKER)
            marker.mode = 0o644
            tar.addfile(marker)
        handle.seek(0)
        yield handle  # type: ignore[misc]


def _member(name: str, path: Path, info: os.stat_result, target: str) -> tarfile.TarInfo:
    """The tar header of a directory, regular file or link, owned by root (a graft's root is stat'ed through its
    link: what it points at)."""
    member = tarfile.TarInfo(name)
    member.mode = stat.S_IMODE(info.st_mode)
    member.mtime = int(info.st_mtime)
    member.uid = member.gid = 0
    member.uname = member.gname = "root"
    if stat.S_ISLNK(info.st_mode):
        member.type, member.linkname = tarfile.SYMTYPE, link_text(name, os.readlink(path), target)
    elif stat.S_ISDIR(info.st_mode):
        member.type = tarfile.DIRTYPE
    else:
        member.size = info.st_size
    return member


def link_text(relative: str, link: str, target: str) -> str:
    """What a symlink at `relative` in a tree mounted at `target` says in its volume: as it is, unless it climbs
    out of the tree (`../../lib`), which the engine refuses to unpack: then the absolute path it points at in the
    container, where it leads (or dangles) just as the bind-mounted link would."""
    if posixpath.isabs(link):
        return link
    inside = posixpath.normpath(posixpath.join(posixpath.dirname(relative), link))
    if inside != ".." and not inside.startswith("../"):
        return link
    return posixpath.normpath(posixpath.join(target, posixpath.dirname(relative), link))
