"""Which functions get their dependencies installed by lambda-dap, and which are left as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.deps.manifest import find_manifest, is_build_output
from lambda_dap.errors import DependencyError


def code(tmp_path: Path, **files: str) -> Path:
    directory = tmp_path / "src"
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def find(directory: Path | None, runtime: str | None = "python3.12", **options):
    return find_manifest(code_dir=directory, runtime=runtime, architecture=options.pop("arch", "x86_64"), **options)


def test_a_python_code_directory_with_requirements_is_installed_for_its_runtime_and_architecture(tmp_path):
    directory = code(tmp_path, **{"app.py": "", "requirements.txt": "markupsafe==3.0.2\n"})
    manifest = find(directory, "python3.11", arch="arm64")
    assert manifest is not None
    assert (manifest.installer, manifest.path, manifest.runtime, manifest.architecture) == (
        "pip",
        directory / "requirements.txt",
        "python3.11",
        "arm64",
    )
    assert manifest.files == (directory / "requirements.txt",)


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"app.py": ""}, "no requirements.txt"),
        ({"requirements.txt": "# nothing yet\n\n   # really\n"}, "only comments"),
        ({"requirements.txt": "six\n", "six-1.17.0.dist-info__METADATA": ""}, "vendored with pip install -t ."),
        ({"requirements.txt": "six\n", "foo.egg-info__PKG-INFO": ""}, "an egg-info"),
    ],
)
def test_python_code_directories_left_as_they_are(tmp_path, files, why):
    assert find(code(tmp_path, **files)) is None, why


def test_a_node_package_with_dependencies_and_no_node_modules_is_installed_with_its_lock(tmp_path):
    directory = code(tmp_path, **{"package.json": '{"dependencies": {"ms": "^2.1.3"}}', "package-lock.json": "{}"})
    manifest = find(directory, "nodejs20.x")
    assert manifest is not None
    assert (manifest.installer, manifest.lock) == ("npm", directory / "package-lock.json")
    assert manifest.files == (directory / "package.json", directory / "package-lock.json")


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"package.json": '{"dependencies": {"ms": "^2"}}', "node_modules__ms__index.js": ""}, "node_modules exists"),
        ({"package.json": '{"name": "x", "devDependencies": {"jest": "^29"}}'}, "only dev dependencies"),
        ({"app.mjs": ""}, "no package.json"),
    ],
)
def test_node_code_directories_left_as_they_are(tmp_path, files, why):
    assert find(code(tmp_path, **files), "nodejs20.x") is None, why


def test_a_sam_build_output_is_used_as_it_is(tmp_path):
    built = tmp_path / ".aws-sam" / "build"
    directory = code(built, **{"requirements.txt": "six\n"})
    assert find(directory) is None
    source = code(tmp_path, **{"requirements.txt": "six\n"})
    assert find(source, template=built / "template.yaml") is None
    assert find(source, template=tmp_path / "template.yaml") is not None


def test_image_functions_other_runtimes_and_missing_directories_install_nothing(tmp_path):
    directory = code(tmp_path, **{"requirements.txt": "six\n", "package.json": '{"dependencies": {"ms": "2"}}'})
    assert find(directory, package_type="Image") is None
    assert find(directory, "java21") is None
    assert find(directory, None) is None
    assert find(None) is None
    assert find(tmp_path / "missing") is None


def test_a_package_json_that_is_not_json_is_one_clear_error(tmp_path):
    directory = code(tmp_path, **{"package.json": '{"dependencies": {'})
    with pytest.raises(DependencyError, match=r"package\.json: not valid JSON"):
        find(directory, "nodejs20.x")
    (directory / "package.json").write_text('{"dependencies": ["ms"]}')
    with pytest.raises(DependencyError, match=r"package\.json: dependencies: expected an object"):
        find(directory, "nodejs20.x")


def test_build_output_paths():
    assert is_build_output(Path("/p/.aws-sam/build/Fn"))
    assert not is_build_output(Path("/p/.aws-sam/cache/Fn"))
    assert not is_build_output(Path("/p/build/Fn"))
    assert not is_build_output(None)
