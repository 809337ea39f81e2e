"""`--parameter-overrides`: every form SAM accepts, parsed into {ParameterName: value}.

Forms: `ParameterKey=K,ParameterValue=V` and `K=V`, several per string separated by spaces, with shell-like
quoting ('...' or "...") and backslash escapes of a space or a quote (other backslashes stay, so `C:\\dir` is
kept); a list of such strings (click `nargs`, a samconfig list); `file://params.toml|yaml|yml` (a mapping;
lists joined with ",", null -> "", `$include` of further files). Stricter than SAM: text that matches no form
is an error, never skipped. Booleans from files become "true"/"false" (SAM writes Python's "True").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from lambda_dap.config.files import STRUCTURED_SUFFIXES, FileFormatError, read_toml_or_yaml
from lambda_dap.errors import ParameterOverrideError

OverridesInput = str | Sequence[Any] | Mapping[str, Any] | None

_LONG_FORM = re.compile(r"ParameterKey=([A-Za-z0-9]+),ParameterValue=(.*)", re.DOTALL)
_SHORT_FORM = re.compile(r"([A-Za-z0-9]+)=(.*)", re.DOTALL)
_FILE_PREFIX = "file://"


def parse_parameter_overrides(values: OverridesInput, base_dir: Path) -> dict[str, str]:
    """Parse overrides given on the command line, in samconfig or in a launch configuration.

    Relative `file://` paths are resolved against `base_dir`; later values win."""
    return _convert(values, base_dir, frozenset())


def _convert(values: OverridesInput, base_dir: Path, seen: frozenset[Path]) -> dict[str, str]:
    result: dict[str, str] = {}
    for value in _flatten(values):
        if isinstance(value, Mapping):
            result.update(_from_mapping(value, base_dir, seen))
        elif isinstance(value, str) and value.startswith(_FILE_PREFIX):
            result.update(_from_file(value, base_dir, seen))
        elif isinstance(value, str):
            for token in split_words(value):
                result.update([_key_value(token)])
        else:
            raise _invalid(str(value))
    return result


def _flatten(values: Any) -> Iterator[Any]:
    if values is None:
        return
    if isinstance(values, (list, tuple)):
        for item in values:
            yield from _flatten(item)
    else:
        yield values


def _key_value(token: str) -> tuple[str, str]:
    match = _LONG_FORM.fullmatch(token)
    if not match and not token.startswith("ParameterKey="):
        match = _SHORT_FORM.fullmatch(token)
    if not match:
        raise _invalid(token)
    return match.group(1), match.group(2)


def _from_mapping(mapping: Mapping[str, Any], base_dir: Path, seen: frozenset[Path]) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in mapping.items():
        if key == "$include":
            if not isinstance(value, (str, list)):
                raise _invalid(f"$include: {value}", "$include must be a file:// reference or a list of them")
            result.update(_convert(value, base_dir, seen))
        elif isinstance(value, list):
            result[str(key)] = ",".join(_scalar(item).strip() for item in value if item not in (None, ""))
        elif isinstance(value, dict):
            raise _invalid(f"{key}: {value}", f"the value of {key} must be a string, number, boolean or list")
        else:
            result[str(key)] = _scalar(value)
    return result


def _from_file(reference: str, base_dir: Path, seen: frozenset[Path]) -> dict[str, str]:
    path = (base_dir / Path(reference[len(_FILE_PREFIX) :]).expanduser()).resolve()
    if path.suffix.lower() not in STRUCTURED_SUFFIXES:
        raise _invalid(reference, "only .toml, .yaml and .yml files are supported")
    if path in seen:
        raise _invalid(reference, f"{path} includes itself")
    try:
        content = read_toml_or_yaml(path)
    except OSError as e:
        raise _invalid(reference, f"cannot read {path}: {e.strerror or e}") from e
    except FileFormatError as e:
        raise _invalid(reference, f"{path}: {e}") from e
    if content is not None and not isinstance(content, (dict, list)):
        raise _invalid(reference, f"{path} must hold a mapping of parameter names to values")
    return _convert(content, path.parent, seen | {path})


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _invalid(text: str, reason: str | None = None) -> ParameterOverrideError:
    why = reason or "expected ParameterKey=K,ParameterValue=V or K=V"
    return ParameterOverrideError(f"Invalid --parameter-overrides '{text}': {why}")


def split_words(text: str) -> list[str]:
    """Split on unquoted whitespace; quotes group; `\\ `, `\\"` and `\\'` escape; other backslashes are
    literal."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote: str | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in " \"'":
            current.append(text[i + 1])
            in_word = True
            i += 2
            continue
        if quote:
            if char == quote:
                quote = None
            else:
                current.append(char)
        elif char in "\"'":
            quote = char
            in_word = True
        elif char.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(char)
            in_word = True
        i += 1
    if quote:
        raise _invalid(text, f"unterminated {quote} quote")
    if in_word:
        words.append("".join(current))
    return words
