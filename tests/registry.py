"""A minimal Docker Registry (HTTP API v2) serving images exported from the local engine, for pull tests.

No registry on the internet is reachable from the test machines, so the pull tests bring their own: images are
taken from the local engine with `docker save`, their layers gzip-compressed here, and served read-only over plain
HTTP on 127.0.0.1 (Docker treats 127.0.0.0/8 registries as insecure by default: no daemon configuration needed).

    with serve_images({"some/name:tag": "lambda-dap-test/python:3.11"}) as registry:
        subprocess.run(["docker", "pull", registry.reference("some/name:tag")])

Served: `GET /v2/`, `GET/HEAD /v2/<name>/manifests/<tag-or-digest>` (schema 2 manifests) and
`GET/HEAD /v2/<name>/blobs/<digest>` (with `Range: bytes=N-`), with the registry's JSON errors otherwise.

Every `Registry` makes its images unique, so that pulling from it really downloads: each image config gets a label
with a random value (a new image id: the engine would otherwise see the image as present and download nothing) and
each gzip stream a random header timestamp (new blob digests: the engine would otherwise recognise the layers from an
earlier pull and report them as "Already exists"). The layers themselves, and so their diff ids, are unchanged.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
UNIQUE_LABEL = "lambda-dap.test-registry"

_ROUTE = re.compile(r"^/v2/(?P<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*)/(?P<kind>manifests|blobs)/(?P<reference>[^/]+)$")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Blob:
    size: int
    data: bytes | None = None  # small blobs (configs) in memory
    path: Path | None = None  # layers in the registry's temp dir

    def open(self):
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """Images served under `127.0.0.1:PORT/<repository>:<tag>`; `add` them, then `start`, finally `stop`."""

    def __init__(self, client=None) -> None:
        if client is None:
            import docker

            client = docker.from_env()
        self._client = client
        self._directory = Path(tempfile.mkdtemp(prefix="lambda-dap-registry-"))
        self._nonce = secrets.token_hex(8)
        self._mtime = secrets.randbelow(2**31 - 1) + 1  # gzip header timestamp: unique compressed digests
        self.blobs: dict[str, Blob] = {}
        self.manifests: dict[str, tuple[str, bytes]] = {}  # "repository:tag" and "repository@digest" -> manifest
        self.repositories: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, for tests to look at
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- content -------------------------------------------------------------------------------------------------

    def add(self, reference: str, local_image: str) -> str:
        """Serve the local engine's image `local_image` as `reference` ("repository:tag"); its manifest digest."""
        repository, _, tag = reference.rpartition(":")
        if not repository or "/" in tag:
            raise ValueError(f"expected 'repository:tag', got {reference!r}")
        work = Path(tempfile.mkdtemp(dir=self._directory))
        try:
            archive = work / "image.tar"
            with open(archive, "wb") as out:
                for chunk in self._client.images.get(local_image).save(chunk_size=_CHUNK, named=False):
                    out.write(chunk)
            saved = work / "saved"
            with tarfile.open(archive) as tar:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
                    tar.extractall(saved, filter="data")
                else:
                    tar.extractall(saved)  # trusted: our own engine's `docker save`
            archive.unlink()
            (entry,) = json.loads((saved / "manifest.json").read_text())
            config = json.loads((saved / entry["Config"]).read_bytes())
            labels = (config.setdefault("config", {}).get("Labels") or {}) | {UNIQUE_LABEL: self._nonce}
            config["config"]["Labels"] = labels
            config_bytes = json.dumps(config, separators=(",", ":")).encode()
            config_digest = self._add_blob_bytes(config_bytes)
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                layers = list(pool.map(lambda layer: self._add_layer(saved / layer), entry["Layers"]))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_V2,
                "config": {"mediaType": CONFIG_V1, "size": len(config_bytes), "digest": config_digest},
                "layers": [{"mediaType": LAYER_GZIP, "size": size, "digest": digest} for digest, size in layers],
            },
            indent=3,
        ).encode()
        digest = sha256_digest(manifest)
        self.manifests[f"{repository}:{tag}"] = (digest, manifest)
        self.manifests[f"{repository}@{digest}"] = (digest, manifest)
        self.repositories.add(repository)
        return digest

    def _add_blob_bytes(self, data: bytes) -> str:
        digest = sha256_digest(data)
        self.blobs[digest] = Blob(size=len(data), data=data)
        return digest

    def _add_layer(self, layer_tar: Path) -> tuple[str, int]:
        """gzip a `docker save` layer tar into the blob store; (digest, size) of the compressed blob."""
        target = Path(tempfile.mkstemp(dir=self._directory, suffix=".tar.gz")[1])
        hasher = hashlib.sha256()

        class Hashing:  # gzip writes through it: digest while compressing, no second read
            def write(self, data: bytes) -> int:
                hasher.update(data)
                return out.write(data)

            def flush(self) -> None:
                out.flush()

        with open(target, "wb") as out, open(layer_tar, "rb") as source:
            with gzip.GzipFile(filename="", mode="wb", compresslevel=1, fileobj=Hashing(), mtime=self._mtime) as gz:
                shutil.copyfileobj(source, gz, _CHUNK)
            size = out.tell()
        digest = "sha256:" + hasher.hexdigest()
        if digest in self.blobs:  # the same layer twice in an image
            target.unlink()
        else:
            self.blobs[digest] = Blob(size=size, path=target)
        return digest, size

    # --- server --------------------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """ "127.0.0.1:PORT", what image references start with."""
        if self._server is None:
            raise RuntimeError("the registry is not started")
        return f"127.0.0.1:{self._server.server_address[1]}"

    def reference(self, name: str) -> str:
        """The full image reference of `name` ("repository:tag") on this registry."""
        return f"{self.host}/{name}"

    def start(self) -> Registry:
        registry = self

        class Handler(_Handler):
            pass

        Handler.registry = registry
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-registry", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
        shutil.rmtree(self._directory, ignore_errors=True)


class _Handler(BaseHTTPRequestHandler):
    registry: Registry
    protocol_version = "HTTP/1.1"
    server_version = "lambda-dap-test-registry"

    def log_message(self, format, *args) -> None:  # quiet: the tests look at `registry.requests`
        pass

    def do_GET(self) -> None:
        self._handle(body=True)

    def do_HEAD(self) -> None:
        self._handle(body=False)

    def _handle(self, body: bool) -> None:
        path = self.path.split("?", 1)[0]
        self.registry.requests.append((self.command, path))
        if path in ("/v2", "/v2/"):
            return self._send(200, b"{}", "application/json", body)
        route = _ROUTE.match(path)
        if route is None:
            return self._error(404, "UNSUPPORTED", "the operation is unsupported", body)
        name, kind, reference = route["name"], route["kind"], route["reference"]
        if name not in self.registry.repositories:
            return self._error(404, "NAME_UNKNOWN", "repository name not known to registry", body, {"name": name})
        if kind == "manifests":
            separator = "@" if reference.startswith("sha256:") else ":"
            found = self.registry.manifests.get(f"{name}{separator}{reference}")
            if found is None:
                detail = {"Tag": reference} if separator == ":" else {"Digest": reference}
                return self._error(404, "MANIFEST_UNKNOWN", "manifest unknown", body, detail)
            digest, manifest = found
            return self._send(200, manifest, MANIFEST_V2, body, {"Docker-Content-Digest": digest})
        blob = self.registry.blobs.get(reference)
        if blob is None:
            return self._error(404, "BLOB_UNKNOWN", "blob unknown to registry", body, {"Digest": reference})
        self._send_blob(reference, blob, body)

    def _send_blob(self, digest: str, blob: Blob, body: bool) -> None:
        start = 0
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", "").strip())
        end = blob.size - 1
        if ranged:
            start = int(ranged[1])
            end = min(int(ranged[2]), end) if ranged[2] else end
            if start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{blob.size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(206 if ranged else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Docker-Content-Digest", digest)
        self.send_header("Accept-Ranges", "bytes")
        if ranged:
            self.send_header("Content-Range", f"bytes {start}-{end}/{blob.size}")
        self._common_headers()
        self.end_headers()
        if not body:
            return
        with blob.open() as source, contextlib.suppress(ConnectionError):
            source.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = source.read(min(_CHUNK, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)

    def _error(self, status: int, code: str, message: str, body: bool, detail=None) -> None:
        document = {"errors": [{"code": code, "message": message, "detail": detail}]}
        self._send(status, json.dumps(document).encode(), "application/json; charset=utf-8", body)

    def _send(self, status: int, payload: bytes, content_type: str, body: bool, headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self._common_headers()
        self.end_headers()
        if body:
            with contextlib.suppress(ConnectionError):
                self.wfile.write(payload)

    def _common_headers(self) -> None:
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")


@contextlib.contextmanager
def serve_images(images: Mapping[str, str], client=None) -> Iterator[Registry]:
    """A started `Registry` serving {"repository:tag": "local image"}; stopped (temp files removed) on exit."""
    registry = Registry(client)
    try:
        for reference, local_image in images.items():
            registry.add(reference, local_image)
        yield registry.start()
    finally:
        registry.stop()


def remove_local_image(reference: str, client=None) -> None:
    """`docker rmi --force REFERENCE` of a pulled image, by its name (other tags of the same image keep it)."""
    if client is None:
        subprocess.run(["docker", "rmi", "--force", reference], capture_output=True, check=False)
        return
    import docker.errors

    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(reference, force=True)
