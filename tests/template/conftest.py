"""Shared fixtures: the fixture templates, a writer for small inline templates, a clean AWS region."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

WriteTemplate = Callable[..., Path]


@pytest.fixture(autouse=True)
def _no_region_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


@pytest.fixture
def write_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteTemplate:
    """Writes dedented template text under tmp_path (the working directory, so messages say `template.yaml`)."""
    monkeypatch.chdir(tmp_path)

    def write(text: str, name: str = "template.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
