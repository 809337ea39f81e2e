"""Read the TOML and YAML files that config uses (samconfig, parameter-override files)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

STRUCTURED_SUFFIXES = (".toml", ".yaml", ".yml")


class FileFormatError(ValueError):
    """A TOML or YAML file does not parse; the message names the line."""


_YAML_LOADER: Any = None


def _yaml12_loader() -> Any:
    """PyYAML's SafeLoader with YAML 1.2 booleans (as SAM's ruamel): `yes`, `no`, `on`, `off` stay strings."""
    global _YAML_LOADER
    if _YAML_LOADER is None:
        import re

        import yaml

        class Yaml12SafeLoader(yaml.SafeLoader):
            pass

        bool_tag = "tag:yaml.org,2002:bool"
        Yaml12SafeLoader.yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != bool_tag]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        Yaml12SafeLoader.add_implicit_resolver(
            bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
        )
        _YAML_LOADER = Yaml12SafeLoader
    return _YAML_LOADER


def read_toml_or_yaml(path: Path) -> Any:
    """Parse `path` as TOML (`.toml`) or YAML (anything else).

    OSError propagates; bad syntax raises FileFormatError."""
    data = path.read_bytes()
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(data.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise FileFormatError(f"not UTF-8 text ({e.reason} at byte {e.start})") from e
        except tomllib.TOMLDecodeError as e:
            raise FileFormatError(str(e)) from e
    import yaml

    try:
        return yaml.load(data, Loader=_yaml12_loader())  # a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise FileFormatError(f"{where}{e.problem or e.context}") from e
    except yaml.YAMLError as e:
        raise FileFormatError(str(e).replace("\n", " ")) from e
