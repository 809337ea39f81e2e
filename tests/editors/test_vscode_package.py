"""editors/vscode packaged with @vscode/vsce: a .vsix holding the manifest, the compiled extension and its runtime
dependencies (vscode-languageclient and everything it requires), and nothing of the sources, tests or dev tools.

Never published: `vsce package` only. Needs node and editors/vscode/node_modules (scripts/setup); skips without
them on a developer machine and fails in CI (CI=true).
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from tests.editors.test_vscode import VSCODE_DIR, node_tool

MODULES = sorted(path.stem for path in (VSCODE_DIR / "src").glob("*.ts"))


@pytest.fixture(scope="module")
def vsix(tmp_path_factory) -> Path:
    node = node_tool("node")
    out = tmp_path_factory.mktemp("vsix") / "lambda-dap.vsix"
    vsce = VSCODE_DIR / "node_modules" / "@vscode" / "vsce" / "vsce"
    completed = subprocess.run(
        [node, str(vsce), "package", "--out", str(out)],
        cwd=VSCODE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,  # vsce asks on a terminal when something is missing (license, repository): no prompt
    )
    assert completed.returncode == 0, f"vsce package failed:\n{completed.stdout[-5000:]}\n{completed.stderr[-5000:]}"
    assert out.is_file(), completed.stdout
    return out


def test_vsce_packages_the_manifest_and_the_compiled_extension(vsix):
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        packaged = json.loads(archive.read("extension/package.json"))
        vsix_manifest = archive.read("extension.vsixmanifest").decode()
    committed = json.loads((VSCODE_DIR / "package.json").read_text(encoding="utf-8"))
    assert packaged["contributes"] == committed["contributes"]
    assert (packaged["name"], packaged["publisher"], packaged["version"]) == ("lambda-dap", "lambda-dap", "0.1.0")
    assert f"extension/{PurePosixPath(packaged['main'])}" in names
    assert {f"extension/out/{module}.js" for module in MODULES} <= names
    assert {"extension/LICENSE.txt", "extension/readme.md"} <= names
    assert 'Id="lambda-dap"' in vsix_manifest and 'Publisher="lambda-dap"' in vsix_manifest
    assert vsix.stat().st_size < 2_000_000


def test_the_vsix_holds_the_runtime_dependencies_and_no_sources_or_dev_tools(vsix, tmp_path):
    with zipfile.ZipFile(vsix) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    extension = tmp_path / "extension"
    assert not [n for n in names if n.startswith(("extension/src/", "extension/test/", "extension/scripts/"))]
    assert not [n for n in names if n.endswith((".ts", ".map", ".vsix"))]
    top_level = {PurePosixPath(n).parts[2] for n in names if n.startswith("extension/node_modules/")}
    assert "vscode-languageclient" in top_level
    assert not top_level & {"typescript", "@vscode", "ajv", "@types"}, top_level
    # What the extension requires at run time, resolved the way node does from inside the vsix, all the way down.
    node = node_tool("node")
    script = """
const fs = require('node:fs');
const path = require('node:path');
const seen = new Set();
function packageJson(name, from) {  // node's lookup: node_modules/<name> in `from` and each folder above it
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(candidate)) return candidate;
    if (dir === path.dirname(dir)) throw new Error(`${name} (required from ${from}) is not in the vsix`);
  }
}
function visit(name, from) {
  const manifest = packageJson(name, from);
  if (seen.has(manifest)) return;
  seen.add(manifest);
  const dependencies = require(manifest).dependencies || {};
  for (const dependency of Object.keys(dependencies)) visit(dependency, path.dirname(manifest));
}
visit('vscode-languageclient', process.argv[1]);
require.resolve('vscode-languageclient/node', { paths: [process.argv[1]] });
console.log(seen.size);
"""
    completed = subprocess.run(
        [node, "-e", script, str(extension / "out")],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout) >= 4  # vscode-languageclient, -protocol, vscode-jsonrpc, -types, minimatch, semver
