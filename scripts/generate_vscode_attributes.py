#!/usr/bin/env python3
"""Write the VS Code extension's `configurationAttributes` from schemas/launch.schema.json.

    scripts/generate_vscode_attributes.py          # rewrite editors/vscode/package.json
    scripts/generate_vscode_attributes.py --check  # exit 1 when package.json is not up to date

Each debugger request gets one definition of the schema with every `$ref` inlined (VS Code reads the attributes
without the schema's `definitions`): `lambda` takes `launch` and `attach`, `aws-sam` takes `direct-invoke` (the AWS
Toolkit shape). The schema's top-level `cwd` is added to each, since VS Code refuses fields its attributes lack.
Everything else in package.json is left as written.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA = REPO_ROOT / "schemas" / "launch.schema.json"
MANIFEST = REPO_ROOT / "editors" / "vscode" / "package.json"

# debugger type -> request -> the schema definition it is generated from
REQUESTS: dict[str, dict[str, str]] = {
    "lambda": {"launch": "launch", "attach": "attach"},
    "aws-sam": {"direct-invoke": "awsSam"},
}
# Root fields VS Code does not add itself (it adds name, type, request, preLaunchTask, ...).
SHARED_ROOT_FIELDS = ("cwd",)


def inline_refs(node: Any, schema: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """`node` with each local `$ref` ("#/definitions/x") replaced by a copy of its target, recursively."""
    if isinstance(node, list):
        return [inline_refs(item, schema, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"{SCHEMA.name}: $ref {ref!r}: only local references (#/...) can be inlined")
        if ref in seen:
            raise ValueError(f"{SCHEMA.name}: $ref {ref!r} refers to itself ({' -> '.join(seen)})")
        target = resolve_pointer(schema, ref)
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return inline_refs({**copy.deepcopy(target), **siblings}, schema, (*seen, ref))
    return {key: inline_refs(value, schema, seen) for key, value in node.items()}


def resolve_pointer(schema: dict[str, Any], ref: str) -> Any:
    """The value a JSON pointer like "#/definitions/runtime" names in `schema`."""
    node: Any = schema
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise ValueError(f"{SCHEMA.name}: $ref {ref!r} names nothing")
        node = node[part]
    return node


def attributes_for(schema: dict[str, Any], definition: str) -> dict[str, Any]:
    """The `configurationAttributes` entry for one request: the definition, refs inlined, plus the shared fields."""
    attributes = inline_refs(schema["definitions"][definition], schema)
    properties = attributes.setdefault("properties", {})
    for name in SHARED_ROOT_FIELDS:
        if name not in properties:
            properties[name] = inline_refs(schema["properties"][name], schema)
    return attributes


def generate(manifest: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`manifest` with the attributes of every debugger in REQUESTS regenerated."""
    result = copy.deepcopy(manifest)
    debuggers = {entry.get("type"): entry for entry in result.get("contributes", {}).get("debuggers", [])}
    for debug_type, requests in REQUESTS.items():
        if debug_type not in debuggers:
            raise ValueError(f"{MANIFEST}: contributes.debuggers has no entry with type {debug_type!r}")
        debuggers[debug_type]["configurationAttributes"] = {
            request: attributes_for(schema, definition) for request, definition in requests.items()
        }
    return result


def render(manifest: dict[str, Any]) -> str:
    """package.json text as npm writes it (two-space indent, a final newline)."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def expected_manifest_text(manifest_path: Path = MANIFEST, schema_path: Path = SCHEMA) -> str:
    """What package.json should hold, given the schema."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return render(generate(manifest, schema))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that package.json is up to date")
    args = parser.parse_args(argv)
    expected = expected_manifest_text()
    current = MANIFEST.read_text(encoding="utf-8")
    if args.check:
        if current != expected:
            print(f"{MANIFEST.relative_to(REPO_ROOT)}: out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    if current != expected:
        MANIFEST.write_text(expected, encoding="utf-8")
        print(f"wrote {MANIFEST.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
