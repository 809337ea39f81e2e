"""Build the Docker images the integration tests run on, and cache them by tag.

No container registry is reachable in CI, so nothing is pulled: a Debian root file system is made with
debootstrap and imported, and the Lambda-like images are built on top of it from the recipe
directories next to this file (tests/images/<recipe>/).

An image is rebuilt only when the label ``lambda-dap.recipe`` of the image under its tag differs from
the sha256 of its recipe inputs: the files of its recipe directory, its check, RECIPE_VERSION below and, for a
derived image, the id of its base image (so rebuilding the base rebuilds what is built on it).

    python tests/images/build.py [--force] [names...]      names: debian, python, plain, nodejs, provided, go
                                                            (or tags)

A recipe directory with an ``apt-packages.txt`` gets those Debian packages, and the dependencies its base image
lacks, as .deb files in ``debs/`` of its build context: apt resolves and downloads them on the host, against the
base image's own dpkg status and the base's suite, for the Dockerfile to ``dpkg -i`` without network.

or, from the tests: ``ensure_images(names=None, force=False) -> {name: tag}``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

HERE = Path(__file__).resolve().parent

# Bump when the build logic in this file changes in a way that changes the images.
RECIPE_VERSION = "1"
LABEL = "lambda-dap.recipe"
LOCK_FILE = Path(tempfile.gettempdir()) / "lambda-dap-test-images.lock"
DEFAULT_MIRROR = "http://deb.debian.org/debian"


VERIFY_WITH = ("/usr/bin/python3", "-c")


@dataclass(frozen=True)
class Recipe:
    name: str
    tag: str
    directory: str  # under tests/images/
    base: str | None = None  # name of the image this one is built FROM
    verify: str | None = None  # code that must run without error inside the image
    verify_with: tuple[str, ...] = VERIFY_WITH  # ... run by this (the code follows)


PYTHON_VERIFY = """
import os, runtime_client, awslambdaric.bootstrap, awslambdaric.lambda_runtime_client as client
assert client.runtime_client is not None, "awslambdaric runs without its C extension"
for path in ("/var/runtime/bootstrap", "/lambda-entrypoint.sh"):
    assert os.access(path, os.X_OK), path
assert os.path.isdir("/var/task") and os.path.isdir("/opt")
"""

PLAIN_VERIFY = """
import os, sys
assert sys.version_info[:2] == (3, 11), sys.version
assert not os.path.exists("/var/runtime") and not os.path.exists("/lambda-entrypoint.sh")
"""

NODEJS_VERIFY = """
const assert = require("node:assert");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
assert.strictEqual(process.versions.node.split(".")[0], "18", process.versions.node);
execFileSync("/var/lang/bin/node", ["--check", "/var/runtime/index.mjs"]);
assert.ok(require("node:zlib").gzipSync("x").length > 0);
for (const path of ["/var/runtime/bootstrap", "/lambda-entrypoint.sh"]) fs.accessSync(path, fs.constants.X_OK);
assert.ok(fs.statSync("/var/task").isDirectory() && fs.statSync("/opt").isDirectory());
// as in Lambda's nodejs images: no Python anywhere (remote mode runs lambda-dap's Node.js agent)
for (const directory of ["/var/lang/bin", "/usr/local/bin", "/usr/bin", "/bin", "/opt/bin"]) {
  for (const name of ["python3", "python", "python3.11"]) assert.ok(!fs.existsSync(`${directory}/${name}`), name);
}
"""

PROVIDED_VERIFY = """
import os
assert os.access("/lambda-entrypoint.sh", os.X_OK)
assert not os.path.exists("/var/runtime/bootstrap") and not os.path.exists("/var/task/bootstrap")
assert os.path.isdir("/var/task") and os.path.isdir("/opt") and os.path.isdir("/var/runtime")
"""

GO_VERIFY = """
import os, subprocess, tempfile
def run(*args, cwd=None):
    done = subprocess.run(args, capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, f"{args}: exit {done.returncode}: {done.stderr}"
    return done.stdout
assert run("go", "version").startswith("go version go1.19"), run("go", "version")
assert "Version: 1.20" in run("/usr/bin/dlv", "version")
with tempfile.TemporaryDirectory() as src:
    with open(os.path.join(src, "go.mod"), "w") as f:
        f.write("module example.com/check\\ngo 1.19\\n")
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write('package main\\nimport "net/http"\\nfunc main() { _ = http.DefaultClient }\\n')
    run("go", "build", "-o", "bootstrap", ".", cwd=src)
    assert os.access(os.path.join(src, "bootstrap"), os.X_OK)
"""

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe("debian", "lambda-dap-test/debian:bookworm", "debian"),
        Recipe("python", "lambda-dap-test/python:3.11", "python", base="debian", verify=PYTHON_VERIFY),
        Recipe("plain", "lambda-dap-test/python-plain:3.11", "python-plain", base="debian", verify=PLAIN_VERIFY),
        Recipe(
            "nodejs",
            "lambda-dap-test/nodejs:18-nopython",  # a tag of its own: the image with python3 is another one
            "nodejs",
            base="debian",
            verify=NODEJS_VERIFY,
            verify_with=("/var/lang/bin/node", "-e"),
        ),
        Recipe("provided", "lambda-dap-test/provided:al2023", "provided", base="debian", verify=PROVIDED_VERIFY),
        Recipe("go", "lambda-dap-test/go-build:1.19", "go-build", base="debian", verify=GO_VERIFY),
    )
}


class BuildError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"[test-images] {message}", file=sys.stderr, flush=True)


def _recipe_files(recipe: Recipe) -> list[Path]:
    root = HERE / recipe.directory
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def recipe_hash(recipe: Recipe, base_image_id: str | None = None) -> str:
    digest = hashlib.sha256()
    digest.update(f"version={RECIPE_VERSION}\0name={recipe.name}\0tag={recipe.tag}\0".encode())
    digest.update(f"base={base_image_id or ''}\0verify={recipe.verify or ''}\0".encode())
    if recipe.verify_with != VERIFY_WITH:  # (the images checked by the default hash as before)
        digest.update(f"verify_with={' '.join(recipe.verify_with)}\0".encode())
    root = HERE / recipe.directory
    for path in _recipe_files(recipe):
        rel = path.relative_to(root).as_posix()
        mode = "x" if os.access(path, os.X_OK) else "-"
        digest.update(f"{rel}\0{mode}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _existing(client: docker.DockerClient, tag: str):
    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None


def debian_mirror() -> str:
    """The Debian mirror apt already uses (first URIs: of debian.sources, else sources.list)."""
    override = os.environ.get("LAMBDA_DAP_DEBIAN_MIRROR")
    if override:
        return override
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.is_file():
        for line in sources.read_text().splitlines():
            if line.startswith("URIs:") and line.split()[1:]:
                return line.split()[1]
    legacy = Path("/etc/apt/sources.list")
    if legacy.is_file():
        for line in legacy.read_text().splitlines():
            line = re.sub(r"\[[^\]]*\]", "", line).split("#", 1)[0].split()
            if len(line) >= 2 and line[0] == "deb":
                return line[1]
    return DEFAULT_MIRROR


def _unmount_below(directory: Path) -> None:
    """debootstrap mounts /proc and /sys in the target; unmount whatever a failed run left there."""
    prefix = str(directory.resolve()) + "/"
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    for mount in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", mount], check=False)


@contextlib.contextmanager
def _temp_dir(prefix: str, parent: str | None = None):
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield directory
    finally:
        _unmount_below(directory)
        shutil.rmtree(directory, ignore_errors=True)


def _build_debian(client: docker.DockerClient, recipe: Recipe, digest: str) -> None:
    config = json.loads((HERE / recipe.directory / "debootstrap.json").read_text())
    if os.geteuid() != 0:
        raise BuildError("debootstrap needs root")
    if shutil.which("debootstrap") is None:
        raise BuildError("debootstrap is not installed (apt-get install debootstrap)")
    mirror = debian_mirror()
    # /var/tmp: on disk, and not mounted noexec/nodev as a tmpfs /tmp may be.
    with _temp_dir("lambda-dap-rootfs-", "/var/tmp") as rootfs:
        command = [
            "debootstrap",
            f"--variant={config['variant']}",
            f"--include={','.join(config['include'])}",
            config["suite"],
            str(rootfs),
            mirror,
        ]
        log(f"{recipe.tag}: {' '.join(command)}")
        result = subprocess.run(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        if result.returncode != 0:
            raise BuildError(f"debootstrap failed ({result.returncode}):\n{result.stdout[-4000:]}")
        for rel in config.get("prune", []):
            target = rootfs / rel
            if target.is_dir():
                for child in target.iterdir():
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
        changes = [f"LABEL {LABEL}={digest}", *config.get("changes", [])]
        log(f"{recipe.tag}: docker import")
        tar = subprocess.Popen(
            ["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
        )

        def chunks():
            while block := tar.stdout.read(1 << 20):
                yield block

        repository, tag = recipe.tag.rsplit(":", 1)
        importer = docker.from_env(timeout=900)  # the default 60 s is too short for a 250 MB import
        try:
            result = importer.api.import_image(
                src=chunks(), repository=repository, tag=tag, changes=changes, stream_src=True
            )
        except BaseException:
            tar.kill()
            raise
        finally:
            importer.close()
            tar.stdout.close()
            tar.wait()
        if tar.returncode != 0:
            raise BuildError(f"tar of the root file system failed ({tar.returncode})")
        if '"error' in str(result):
            raise BuildError(f"docker import failed: {result}")


def _download_wheels(requirements: Path, dest: Path) -> list[Path]:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--platform",
        "manylinux2014_x86_64",
        "-d",
        str(dest),
        "-r",
        str(requirements),
    ]
    log("pip download " + " ".join(command[4:]))
    result = subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    if result.returncode != 0:
        raise BuildError(f"pip download failed ({result.returncode}):\n{result.stdout[-4000:]}")
    wheels = sorted(dest.glob("*.whl"))
    wanted = [
        line.split("#", 1)[0].strip() for line in requirements.read_text().splitlines() if line.split("#", 1)[0].strip()
    ]
    if len(wheels) != len(wanted):
        raise BuildError(f"expected {len(wanted)} wheels for {wanted}, pip saved {[w.name for w in wheels]}")
    return wheels


def _unpack_wheel(wheel: Path, target: Path) -> None:
    """Install a wheel by unpacking it, as the official images have their packages in /var/runtime."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    for data_dir in target.glob("*.data"):
        for scheme in ("purelib", "platlib"):
            for child in (data_dir / scheme).glob("*") if (data_dir / scheme).is_dir() else []:
                shutil.move(str(child), target / child.name)
        shutil.rmtree(data_dir)


def _image_file(client: docker.DockerClient, image: str, path: str) -> bytes:
    """The content of one regular file of an image (read from a created, never started, container)."""
    container = client.containers.create(
        image, command=["true"], network_mode="none", labels={"lambda-dap-test.build": "read-file"}
    )
    try:
        stream, _ = container.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.next()
            if member is None or not member.isfile():
                raise BuildError(f"{image}: {path} is not a regular file")
            return archive.extractfile(member).read()
    finally:
        container.remove(force=True)


def _download_debs(client: docker.DockerClient, recipe: Recipe, packages: Path, dest: Path) -> list[Path]:
    """apt-get install --download-only of ``packages`` as if run in the base image, but on the host (with network).

    apt gets its own state directory: the base image's dpkg status (so only what the base lacks is fetched) and
    package lists of the base's Debian suite from the host's mirror, fetched afresh.
    """
    if shutil.which("apt-get") is None:
        raise BuildError(f"{recipe.tag}: apt-get is needed on the host to fetch {packages.name}")
    wanted = [
        line.split("#", 1)[0].strip() for line in packages.read_text().splitlines() if line.split("#", 1)[0].strip()
    ]
    suite = json.loads((HERE / RECIPES["debian"].directory / "debootstrap.json").read_text())["suite"]
    keyring = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
    signed_by = f"[signed-by={keyring}] " if keyring.is_file() else ""
    with _temp_dir(f"lambda-dap-{recipe.name}-apt-") as root:
        for sub in (
            "etc/apt.conf.d",
            "etc/preferences.d",
            "etc/sources.list.d",
            "lists/partial",
            "cache",
            "archives/partial",
        ):
            (root / sub).mkdir(parents=True)
        (root / "status").write_bytes(_image_file(client, RECIPES[recipe.base].tag, "/var/lib/dpkg/status"))
        (root / "etc/sources.list").write_text(f"deb {signed_by}{debian_mirror()} {suite} main\n")
        options = []
        for key, value in (
            ("Dir::Etc", root / "etc"),
            ("Dir::Etc::SourceList", root / "etc/sources.list"),
            ("Dir::Etc::SourceParts", root / "etc/sources.list.d"),
            ("Dir::State::Lists", root / "lists"),
            ("Dir::State::status", root / "status"),
            ("Dir::Cache", root / "cache"),
            ("Dir::Cache::Archives", root / "archives"),
            ("Debug::NoLocking", "true"),
            ("APT::Sandbox::User", "root"),
            ("APT::Install-Recommends", "false"),
            ("APT::Install-Suggests", "false"),
        ):
            options += ["-o", f"{key}={value}"]
        for command in (["update"], ["install", "--download-only", "--yes", *wanted]):
            log(f"{recipe.tag}: apt-get {' '.join(command)} ({suite}, against {RECIPES[recipe.base].tag})")
            result = subprocess.run(
                ["apt-get", "-q", *options, *command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"},
            )
            if result.returncode != 0:
                raise BuildError(f"apt-get {command[0]} failed ({result.returncode}):\n{result.stdout[-4000:]}")
        debs = sorted((root / "archives").glob("*.deb"))
        if not debs:
            raise BuildError(f"{recipe.tag}: apt downloaded nothing for {wanted}: already in the base image?")
        dest.mkdir(parents=True, exist_ok=True)
        for deb in debs:
            shutil.move(str(deb), dest / deb.name)
    log(f"{recipe.tag}: {len(debs)} packages: {', '.join(d.name.split('_', 1)[0] for d in debs)}")
    return [dest / deb.name for deb in debs]


def _build_dockerfile(client: docker.DockerClient, recipe: Recipe, digest: str, force: bool) -> None:
    source = HERE / recipe.directory
    with _temp_dir(f"lambda-dap-{recipe.name}-context-") as context:
        for path in _recipe_files(recipe):
            destination = context / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        requirements = source / "requirements.txt"
        if requirements.is_file():
            with _temp_dir("lambda-dap-wheels-") as wheels_dir:
                runtime = context / "runtime"
                runtime.mkdir()
                for wheel in _download_wheels(requirements, wheels_dir):
                    log(f"{recipe.tag}: unpack {wheel.name}")
                    _unpack_wheel(wheel, runtime)
        packages = source / "apt-packages.txt"
        if packages.is_file():
            _download_debs(client, recipe, packages, context / "debs")
        log(f"{recipe.tag}: docker build (no network)")
        output = []
        stream = client.api.build(
            path=str(context),
            tag=recipe.tag,
            labels={LABEL: digest},
            rm=True,
            forcerm=True,
            pull=False,
            network_mode="none",
            decode=True,
            nocache=force,
        )
        for chunk in stream:
            if "error" in chunk:
                raise BuildError(f"docker build of {recipe.tag} failed: {chunk['error']}\n" + "".join(output))
            text = chunk.get("stream", "")
            output.append(text)
            if text.startswith("Step "):
                log(f"{recipe.tag}: {text.strip()}")


def _verify(client: docker.DockerClient, recipe: Recipe) -> None:
    if not recipe.verify:
        return
    try:
        client.containers.run(
            recipe.tag,
            [*recipe.verify_with[1:], recipe.verify],
            entrypoint=[recipe.verify_with[0]],
            remove=True,
            stdout=True,
            stderr=True,
            network_mode="none",
            labels={"lambda-dap-test.build": recipe.name},
        )
    except docker.errors.ContainerError as error:
        stderr = error.stderr.decode(errors="replace") if error.stderr else ""
        raise BuildError(f"{recipe.tag} failed its check:\n{stderr}") from None


def _ensure_one(client: docker.DockerClient, recipe: Recipe, force: bool) -> bool:
    """Build one image unless it is cached; True when it was built."""
    base_id = client.images.get(RECIPES[recipe.base].tag).id if recipe.base else None
    digest = recipe_hash(recipe, base_id)
    image = _existing(client, recipe.tag)
    current = (image.labels or {}).get(LABEL) if image else None
    if current == digest and not force:
        log(f"{recipe.tag}: cached ({digest[:12]})")
        return False
    reason = "forced" if force and current == digest else ("recipe changed" if image else "missing")
    log(f"{recipe.tag}: building ({reason})")
    started = time.monotonic()
    try:
        if recipe.base is None:
            _build_debian(client, recipe, digest)
        else:
            _build_dockerfile(client, recipe, digest, force)
        _verify(client, recipe)
    except BaseException:
        # Never leave a half-checked image under the tag (the next run must not take it as cached);
        # give the tag back to the image it had, if any, which the next run will try to replace again.
        built = _existing(client, recipe.tag)
        if built is not None and (image is None or built.id != image.id):
            with contextlib.suppress(docker.errors.APIError):
                client.images.remove(built.id, force=True)
            if image is not None:
                with contextlib.suppress(docker.errors.APIError):
                    image.tag(*recipe.tag.rsplit(":", 1))
        raise
    size = client.images.get(recipe.tag).attrs.get("Size", 0)
    log(f"{recipe.tag}: built in {time.monotonic() - started:.1f} s, {size / 1e6:.0f} MB")
    return True


def _remove_replaced_images(client: docker.DockerClient) -> None:
    """Remove the untagged images left by rebuilds (derived ones first, then the bases they freed)."""
    while True:
        removed = 0
        for image in client.images.list(filters={"dangling": True, "label": LABEL}):
            try:
                client.images.remove(image.id)
                removed += 1
            except docker.errors.APIError:
                pass  # still used by a container or by an image built on it
        if not removed:
            return


def _resolve(names) -> list[Recipe]:
    by_tag = {r.tag: r for r in RECIPES.values()}
    selected: list[Recipe] = []
    for name in names or list(RECIPES):
        recipe = RECIPES.get(name) or by_tag.get(name)
        if recipe is None:
            raise BuildError(f"unknown image {name!r}; known: {', '.join(RECIPES)}")
        chain = []
        while recipe is not None:
            chain.append(recipe)
            recipe = RECIPES[recipe.base] if recipe.base else None
        for item in reversed(chain):
            if item not in selected:
                selected.append(item)
    return selected


@contextlib.contextmanager
def _build_lock():
    """One builder at a time on this machine (parallel test sessions share the daemon)."""
    with open(LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_images(names=None, force: bool = False, client: docker.DockerClient | None = None) -> dict[str, str]:
    """Make sure the named test images (default: all) exist and are current; return {name: tag}.

    ``force`` rebuilds the named images (their bases only when missing or outdated); an image whose
    base was rebuilt is rebuilt too, its base image id being part of its recipe hash.
    """
    recipes = _resolve(names)
    requested = (
        {r.name for r in recipes}
        if not names
        else {(RECIPES.get(n) or next(r for r in recipes if r.tag == n)).name for n in names}
    )
    own_client = client is None
    client = client or docker.from_env()
    try:
        with _build_lock():
            try:
                for recipe in recipes:
                    _ensure_one(client, recipe, force and recipe.name in requested)
            finally:
                _remove_replaced_images(client)
    finally:
        if own_client:
            client.close()
    return {r.name: r.tag for r in recipes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when the cached image is current")
    parser.add_argument("names", nargs="*", help=f"images to build (default: all): {', '.join(RECIPES)}")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        images = ensure_images(args.names or None, force=args.force)
    except (BuildError, docker.errors.DockerException) as error:
        log(f"error: {error}")
        return 1
    log(f"ready in {time.monotonic() - started:.1f} s: {', '.join(images.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
