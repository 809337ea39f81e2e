"""pip and npm as lambda-dap runs them: the commands, and their failures turned into one line naming the package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_dap.deps.install import install_dependencies
from lambda_dap.deps.manifest import Manifest
from lambda_dap.deps.npm import npm_command, npm_problem
from lambda_dap.deps.pip import pip_command, pip_problem, platforms
from lambda_dap.errors import DependencyError

REQUIREMENTS = Path("/src/fn/requirements.txt")
PACKAGE = Path("/src/fn/package.json")
PIP_MISSING = """\
WARNING: Location 'file:///opt/pypi/simple/nosuchpkg/' is ignored: it is neither a file nor a directory.
ERROR: Could not find a version that satisfies the requirement nosuchpkg (from versions: none)
ERROR: No matching distribution found for nosuchpkg
"""
PIP_NO_MATCHING_VERSION = """\
ERROR: Could not find a version that satisfies the requirement markupsafe==9.9 (from versions: 2.1.5, 3.0.2)
ERROR: No matching distribution found for markupsafe==9.9
"""
NPM_404 = """\
npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/nosuchpkg - Not found
npm error 404
npm error 404  The requested resource 'nosuchpkg@^1.0.0' could not be found or you do not have permission to access it.
npm error 404
npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log
"""
NPM_404_OLD = "npm ERR! code E404\nnpm ERR! 404  'nosuchpkg@^1.0.0' is not in this registry.\n"
NPM_NO_TARGET = """\
npm error code ETARGET
npm error notarget No matching version found for ms@^99.0.0.
npm error notarget In most cases you or one of your dependencies are requesting a package version that doesn't exist.
"""
NPM_CI_OUT_OF_SYNC = """\
npm error code EUSAGE
npm error
npm error `npm ci` can only install packages when your package.json and package-lock.json are in sync.
"""


def pip_manifest(runtime: str = "python3.12", architecture: str = "x86_64") -> Manifest:
    return Manifest("pip", REQUIREMENTS.parent, REQUIREMENTS, runtime, architecture)


def npm_manifest(lock: Path | None = None, architecture: str = "x86_64") -> Manifest:
    return Manifest("npm", PACKAGE.parent, PACKAGE, "nodejs20.x", architecture, lock)


def test_pip_installs_wheels_only_for_the_runtimes_python_and_lambdas_linux():
    command = pip_command("/usr/bin/python3", pip_manifest("python3.11", "arm64"), Path("/cache/tmp"))
    assert command[:4] == ["/usr/bin/python3", "-m", "pip", "install"]
    joined = " ".join(command)
    assert "--target /cache/tmp" in joined and f"--requirement {REQUIREMENTS}" in joined
    assert "--implementation cp --python-version 3.11 --only-binary=:all:" in joined
    tags = [command[i + 1] for i, part in enumerate(command) if part == "--platform"]
    assert tags == platforms("python3.11", "arm64")
    assert not any(part.startswith(("--index-url", "--extra-index-url", "--proxy", "--cert")) for part in command)


def test_platform_tags_follow_each_runtimes_glibc():
    al2 = platforms("python3.11", "x86_64")  # Amazon Linux 2: glibc 2.26
    assert al2[0] == "manylinux_2_26_x86_64" and "manylinux_2_27_x86_64" not in al2
    assert {"manylinux_2_17_x86_64", "manylinux2014_x86_64"} <= set(al2)
    al2023 = platforms("python3.13", "arm64")  # Amazon Linux 2023: glibc 2.34
    assert al2023[0] == "manylinux_2_34_aarch64" and "manylinux_2_28_aarch64" in al2023
    assert all(tag.endswith("_aarch64") for tag in al2023)


def test_an_unknown_architecture_is_named():
    with pytest.raises(DependencyError, match="architecture sparc"):
        platforms("python3.12", "sparc")


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            PIP_MISSING,
            f"{REQUIREMENTS}: nosuchpkg: no such package on the index, or it has no wheel for Python 3.12 on Linux "
            "x86_64 (lambda-dap installs wheels only, so that C extensions match Lambda)",
        ),
        (
            PIP_NO_MATCHING_VERSION,
            f"{REQUIREMENTS}: no version of markupsafe==9.9 has a wheel for Python 3.12 on Linux x86_64 "
            "(versions with one: 2.1.5, 3.0.2)",
        ),
        (
            "ERROR: Invalid requirement: 'six=='\n",
            f"{REQUIREMENTS}: pip could not install it: Invalid requirement: 'six=='",
        ),
        ("/usr/bin/python3: No module named pip\n", "Cannot install"),
    ],
    ids=["no such package", "no matching version", "another error", "no pip"],
)
def test_pip_failures_are_one_line_naming_the_requirement(stderr, expected):
    problem = pip_problem(stderr, pip_manifest())
    assert "\n" not in problem
    assert problem.startswith(expected)


def test_npm_installs_production_dependencies_for_linux_and_the_functions_cpu():
    assert npm_command(npm_manifest(architecture="arm64")) == [
        "npm",
        "install",
        "--omit=dev",
        "--os=linux",
        "--cpu=arm64",
        "--no-audit",
        "--no-fund",
    ]
    assert npm_command(npm_manifest(lock=PACKAGE.with_name("package-lock.json")))[1] == "ci"
    assert "--cpu=x64" in npm_command(npm_manifest())


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (NPM_404, f"{PACKAGE}: nosuchpkg@^1.0.0: no such package on the npm registry (or no access to it)"),
        (NPM_404_OLD, f"{PACKAGE}: nosuchpkg@^1.0.0: no such package on the npm registry (or no access to it)"),
        (NPM_NO_TARGET, f"{PACKAGE}: ms@^99.0.0: no version of it matches"),
        (
            NPM_CI_OUT_OF_SYNC,
            f"{PACKAGE}: npm could not install it: `npm ci` can only install packages when your package.json and "
            "package-lock.json are in sync.",
        ),
    ],
    ids=["E404", "E404 before npm 10", "ETARGET", "another error"],
)
def test_npm_failures_are_one_line_naming_the_package(stderr, expected):
    assert npm_problem(stderr, npm_manifest()) == expected


def test_pip_really_fetches_the_c_extension_built_for_the_functions_platform(tmp_path):
    """An arm64 python3.12 function on this x86_64 host gets markupsafe's aarch64 cpython-312 extension."""
    code = tmp_path / "fn"
    code.mkdir()
    (code / "requirements.txt").write_text("markupsafe\n")
    manifest = Manifest("pip", code, code / "requirements.txt", "python3.12", "arm64")
    installed = install_dependencies(manifest, root=tmp_path / "cache")
    extensions = [path.name for path in installed.directory.glob("markupsafe/_speedups*.so")]
    assert extensions == ["_speedups.cpython-312-aarch64-linux-gnu.so"]
    assert sorted(path.name for path in code.iterdir()) == ["requirements.txt"]  # nothing written beside it


def test_npm_really_installs_without_running_the_packages_own_scripts(tmp_path):
    code = tmp_path / "fn"
    code.mkdir()
    package = {"name": "fn", "scripts": {"prepare": "exit 1"}, "dependencies": {"ms": "^2.1.3"}}
    (code / "package.json").write_text(json.dumps(package))
    manifest = Manifest("npm", code, code / "package.json", "nodejs20.x", "x86_64")
    installed = install_dependencies(manifest, root=tmp_path / "cache")
    assert (installed.directory / "ms" / "package.json").is_file()
    assert sorted(path.name for path in code.iterdir()) == ["package.json"]
