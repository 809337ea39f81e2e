"""Go functions for the tests, built as `sam build` builds them: each function's CodeUri compiled into a `bootstrap`
in the Go build image (tests/images/go-build), and a built template pointing at those directories.

Sources are mounted at their own absolute path in the build container and compiled without -trimpath, as a build
on the host would be: the binary's debug info names the host's source files, so breakpoints set on them resolve.
Also: Debian's dlv copied out of the same image into a directory for `--debugger-path`.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import yaml

GO_BUILD_IMAGE = "lambda-dap-test/go-build:1.19"
GO_CACHE = Path("/var/tmp/lambda-dap-test-go-cache")  # Go's build cache, kept between runs (safe to share)
DEBUG_GCFLAGS = "all=-N -l"  # no optimisation, no inlining: every line a breakpoint can stop on
BUILD_LABEL = {"lambda-dap-test.build": "go"}


class GoBuildError(AssertionError):
    pass


def _go_functions(template: dict) -> dict[str, dict]:
    globals_function = (template.get("Globals") or {}).get("Function") or {}
    functions = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = {**globals_function, **(resource.get("Properties") or {})}
        if str(properties.get("Runtime", "")).startswith("provided"):
            functions[logical_id] = resource
    return functions


def compile_bootstrap(client, source: Path, out_dir: Path, gcflags: str = DEBUG_GCFLAGS) -> Path:
    """`go build -gcflags=... -o OUT_DIR/bootstrap .` of the Go module at `source` (OUT_DIR may be `source` itself,
    as for a function whose CodeUri holds both its sources and its bootstrap); the path of the binary."""
    source, out_dir = source.resolve(), out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    GO_CACHE.mkdir(parents=True, exist_ok=True)
    volumes = {str(GO_CACHE): {"bind": "/tmp/go-cache", "mode": "rw"}}
    if out_dir == source:
        volumes[str(source)] = {"bind": str(source), "mode": "rw"}
        output = f"{source}/bootstrap"
    else:
        volumes[str(source)] = {"bind": str(source), "mode": "ro"}
        volumes[str(out_dir)] = {"bind": "/out", "mode": "rw"}
        output = "/out/bootstrap"
    import docker.errors

    try:
        client.containers.run(
            GO_BUILD_IMAGE,
            ["go", "build", f"-gcflags={gcflags}", "-o", output, "."],
            working_dir=str(source),
            network_mode="none",
            remove=True,
            stdout=True,
            stderr=True,
            labels=BUILD_LABEL,
            volumes=volumes,
        )
    except docker.errors.ContainerError as error:
        stderr = error.stderr.decode(errors="replace") if error.stderr else ""
        raise GoBuildError(f"go build of {source} failed:\n{stderr}") from None
    binary = out_dir / "bootstrap"
    if not os.access(binary, os.X_OK):
        raise GoBuildError(f"go build of {source} made no executable {binary}")
    return binary


def build_app(client, app_dir: Path, build_dir: Path) -> Path:
    """Build every provided.* function of app_dir/template.yaml into build_dir/<LogicalId>/bootstrap and write
    build_dir/template.yaml with each CodeUri pointing there (what `sam build` leaves in .aws-sam/build)."""
    template = yaml.safe_load((app_dir / "template.yaml").read_text())
    functions = _go_functions(template)
    if not functions:
        raise GoBuildError(f"no provided.* function in {app_dir / 'template.yaml'}")
    for logical_id, resource in functions.items():
        properties = resource.setdefault("Properties", {})
        code_uri = properties.get("CodeUri") or (template.get("Globals") or {}).get("Function", {}).get("CodeUri")
        compile_bootstrap(client, app_dir / code_uri, build_dir / logical_id)
        properties["CodeUri"] = f"{logical_id}/"
    built = build_dir / "template.yaml"
    built.write_text(yaml.safe_dump(template, sort_keys=False))
    return built


def delve_directory(client, dest: Path) -> Path:
    """A `--debugger-path` directory holding Debian's dlv, copied out of the Go build image."""
    container = client.containers.create(GO_BUILD_IMAGE, command=["true"], network_mode="none", labels=BUILD_LABEL)
    try:
        stream, _ = container.get_archive("/usr/bin/dlv")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.next()
            if member is None or not member.isfile():
                raise GoBuildError(f"{GO_BUILD_IMAGE}: /usr/bin/dlv is not a regular file")
            data = archive.extractfile(member).read()
    finally:
        container.remove(force=True)
    dest.mkdir(parents=True, exist_ok=True)
    dlv = dest / "dlv"
    dlv.write_bytes(data)
    dlv.chmod(0o755)
    return dest
