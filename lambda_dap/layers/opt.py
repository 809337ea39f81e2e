"""The one host directory a function's layers become, bind-mounted read-only at /opt.

A single local layer directory is used as it is. Zips (local or published) are unpacked once into the layer
cache, content-addressed, and reused without any AWS call. Several layers are merged, later ones winning, into
`merged/<hash of the members>`, rebuilt only when a member changes (local directories are hashed by their
paths, sizes and mtimes): no image rebuild for layers, unlike SAM (aws/aws-sam-cli#3725, #9255).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lambda_dap.config.credentials import AwsContext
from lambda_dap.errors import LayerError
from lambda_dap.layers.arn import LayerArn
from lambda_dap.layers.merge import fingerprint, merge_into
from lambda_dap.layers.store import build_once, ensure_private_dir
from lambda_dap.layers.unzip import extract_zip
from lambda_dap.template.model import Layer

LAYER_CACHE_ENV = "SAM_LAYER_CACHE_BASEDIR"


def print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def default_layer_cache_dir() -> Path:
    """`$SAM_LAYER_CACHE_BASEDIR`, else SAM's default `~/.aws-sam/layers-pkg` (shared with SAM)."""
    configured = os.environ.get(LAYER_CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".aws-sam" / "layers-pkg"


def prepare_opt_dir(
    layers: Sequence[Layer],
    *,
    cache_dir: Path,
    aws: AwsContext,
    force: bool = False,
    log: Callable[[str], None] = print_to_stderr,
) -> Path | None:
    """The directory to mount at /opt for these layers, in order; None without layers.

    `force` downloads published layers again and rebuilds the merged directory."""
    if not layers:
        return None
    cache_dir = cache_dir.expanduser().absolute()
    try:
        return _prepare(layers, cache_dir, aws, force, log)
    except OSError as e:
        where = f" ({e.filename})" if e.filename else ""
        raise LayerError(f"Cannot prepare layers in the layer cache {cache_dir}: {e.strerror or e}{where}") from e


def _prepare(
    layers: Sequence[Layer], cache_dir: Path, aws: AwsContext, force: bool, log: Callable[[str], None]
) -> Path:
    ensure_private_dir(cache_dir)
    members = [_member(layer, cache_dir, aws, force, log) for layer in layers]
    if len(members) == 1:
        return members[0].path
    identities = "\n".join(member.identity() for member in members)
    key = hashlib.sha256(identities.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    paths = [member.path for member in members]
    return build_once(cache_dir / "merged" / key, lambda tmp: merge_into(paths, tmp), force=force)


@dataclass(frozen=True)
class _Member:
    path: Path
    cached: bool  # a content-addressed cache entry (its name is its identity), else a user's directory

    def identity(self) -> str:
        return f"cache:{self.path}" if self.cached else f"dir:{fingerprint(self.path)}"


def _member(layer: Layer, cache_dir: Path, aws: AwsContext, force: bool, log: Callable[[str], None]) -> _Member:
    if layer.arn:
        published = LayerArn.parse(layer.arn)

        def download(tmp: Path) -> None:
            from lambda_dap.layers.download import download_layer

            log(f"Downloading layer {published.arn}")
            download_layer(published, tmp, aws=aws, scratch=cache_dir)

        return _Member(build_once(cache_dir / published.cache_name, download, force=force), cached=True)
    path = layer.content_path
    if path is None:
        raise LayerError(f"Layer {layer.name} has neither a local ContentUri nor an ARN")
    if path.is_dir():
        return _Member(path, cached=False)
    if path.is_file() and path.suffix.lower() == ".zip":
        entry = cache_dir / "local" / _file_sha256(path)[:16]
        return _Member(build_once(entry, lambda tmp: extract_zip(path, tmp, what=layer.name)), cached=True)
    if not path.exists():
        raise LayerError(f"Layer {layer.name}: {path} does not exist")
    raise LayerError(f"Layer {layer.name}: {path} is neither a directory nor a .zip file")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as e:
        raise LayerError(f"Cannot read layer zip {path}: {e.strerror or e}") from e
    return digest.hexdigest()
