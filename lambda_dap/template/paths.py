"""Where templates are, and how their paths are shown to users."""

from __future__ import annotations

import os
from pathlib import Path

# The order `sam local invoke` searches the working directory in: a built template wins.
DEFAULT_TEMPLATE_NAMES = (
    ".aws-sam/build/template.yaml",
    "template.yaml",
    "template.yml",
    "template.json",
)


def default_template_path(cwd: Path) -> Path:
    """The first existing default template in `cwd`, else `cwd/template.yaml`."""
    for name in DEFAULT_TEMPLATE_NAMES:
        candidate = cwd / name
        if candidate.is_file():
            return candidate
    return cwd / "template.yaml"


def absolute(path: Path) -> Path:
    """`path` made absolute and normalised (`..` folded), without following symlinks."""
    return Path(os.path.abspath(path))


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, else as an absolute path."""
    full = absolute(path)
    try:
        return str(full.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(full)
