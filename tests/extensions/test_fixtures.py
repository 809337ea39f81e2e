"""The fixture app's extensions as files: no Docker needed. Layers are mounted as they are, so modes matter."""

from __future__ import annotations

import os

from tests.extensions.conftest import APP

LAYERS = APP / "layers"
EXTENSIONS = sorted(path for path in LAYERS.glob("*/extensions/*") if path.is_file())


def test_every_extension_is_an_executable_script():
    names = {path.name for path in EXTENSIONS if path.name != "notes.txt"}
    assert names == {
        "python-ext",
        "shell-ext",
        "telemetry-ext",
        "never-registers",
        "crasher",
        "init-error",
        "alpha",
        "beta",
        "noop-ext",
    }
    for path in EXTENSIONS:
        if path.name == "notes.txt":
            assert not os.access(path, os.X_OK), f"{path} must stay non-executable"
            continue
        assert os.access(path, os.X_OK), f"{path} must be executable (chmod +x; git keeps the mode)"
        assert path.read_bytes().startswith(b"#!/"), path
    for path in (LAYERS / "not-extensions/extensions/lib/helper", LAYERS / "wrapper/wrapper.sh"):
        assert os.access(path, os.X_OK), path


def test_alpha_and_beta_are_copies_of_python_ext():
    original = (LAYERS / "python-ext/extensions/python-ext").read_bytes()
    for name in ("alpha", "beta"):
        assert (LAYERS / "two/extensions" / name).read_bytes() == original, f"{name} differs from python-ext"
