"""editors/helix/languages.toml: the shapes Helix deserializes, and the launch requests its templates produce.

Helix is on no registry the tests can install from, so the file is read with a TOML parser (tomllib, or tomli on
Python 3.10) and checked against the fields of Helix's own `DebugAdapterConfig`, `DebugTemplate`,
`DebugConfigCompletion` and `LanguageServerConfiguration` (helix-core/src/syntax/config.rs); each template is then
filled in the way `dap_start_impl` does (`{N}` replaced everywhere, whole numbers become numbers, `filename` and
`directory` answers canonicalized, `cwd` added) and the result validated against schemas/launch.schema.json.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_dap.dap.launch import launch_configuration_errors

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
LANGUAGES_TOML = REPO / "editors" / "helix" / "languages.toml"
LANGUAGES = ["python", "javascript", "typescript", "yaml", "json"]
PLACEHOLDER = re.compile(r"\{(\d+)\}")

# Field names and kinds of Helix's structs (serde, kebab-case); required ones have no default.
DEBUGGER_FIELDS = {"name": str, "transport": str, "command": str, "args": list, "port-arg": str, "templates": list}
TEMPLATE_FIELDS = {"name": str, "request": str, "completion": list, "args": dict}
COMPLETION_FIELDS = {"name", "completion", "default"}  # AdvancedCompletion: all optional strings
SERVER_FIELDS = {"command", "args", "environment", "config", "timeout", "required-root-patterns"}


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    with LANGUAGES_TOML.open("rb") as file:
        return tomllib.load(file)


@pytest.fixture(scope="module")
def languages(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {language["name"]: language for language in config["language"]}


def fill_in(template: dict[str, Any], answers: list[str], cwd: Path) -> dict[str, Any]:
    """The launch arguments Helix sends for `template` given the prompts' `answers` (dap_start_impl, map_value)."""
    params = []
    for index, answer in enumerate(answers):
        completion = template.get("completion", [])[index] if index < len(template.get("completion", [])) else None
        if isinstance(completion, dict) and completion.get("completion") in ("filename", "directory"):
            path = cwd / answer
            answer = str(path.resolve()) if path.exists() else answer
        params.append(answer)

    def map_value(value: Any) -> Any:
        if isinstance(value, str):
            for index, param in enumerate(params):
                value = value.replace(f"{{{index}}}", param)
            return int(value) if value.isdigit() else value  # Rust's str::parse::<usize>
        if isinstance(value, list):
            return [map_value(item) for item in value]
        if isinstance(value, dict):
            return {key: map_value(item) for key, item in value.items()}
        return value

    arguments = {key: map_value(value) for key, value in template["args"].items()}
    arguments["cwd"] = str(cwd)
    return arguments


def test_every_language_has_the_lambda_dap_debugger_over_stdio(languages: dict[str, dict[str, Any]]) -> None:
    assert set(LANGUAGES) <= set(languages)
    for name in LANGUAGES:
        debugger = languages[name]["debugger"]
        assert set(debugger) <= set(DEBUGGER_FIELDS), f"{name}: fields Helix does not know"
        for field, kind in DEBUGGER_FIELDS.items():
            if field in debugger:
                assert isinstance(debugger[field], kind), f"{name}: debugger.{field}"
        assert {key: debugger[key] for key in ("name", "transport", "command", "args")} == {
            "name": "lambda-dap",
            "transport": "stdio",
            "command": "lambda-dap",
            "args": ["--stdio"],
        }
        assert debugger["templates"], name


def test_templates_have_the_shape_helix_deserializes(languages: dict[str, dict[str, Any]]) -> None:
    for name in LANGUAGES:
        templates = languages[name]["debugger"]["templates"]
        assert len({template["name"] for template in templates}) == len(templates), f"{name}: duplicate names"
        for template in templates:
            where = f"{name}: {template.get('name')}"
            assert set(template) <= set(TEMPLATE_FIELDS), where
            assert {"name", "request", "args"} <= set(template), where
            for field, kind in TEMPLATE_FIELDS.items():
                assert isinstance(template.get(field, kind()), kind), f"{where}: {field}"
            assert template["request"] == "launch", f"{where}: Helix sends launch or attach only"
            for completion in template.get("completion", []):
                if isinstance(completion, dict):
                    assert set(completion) <= COMPLETION_FIELDS, where
                    assert all(isinstance(value, str) for value in completion.values()), where
                    assert completion.get("completion") in (None, "filename", "directory"), where
                else:
                    assert isinstance(completion, str), where
            used = {int(index) for index in PLACEHOLDER.findall(repr(template["args"]))}
            assert used == set(range(len(template.get("completion", [])))), f"{where}: every prompt used, none more"


def test_each_language_offers_the_same_templates(languages: dict[str, dict[str, Any]]) -> None:
    reference = {template["name"]: template for template in languages["python"]["debugger"]["templates"]}
    handler = "lambda: handler without a template"
    for name in LANGUAGES:
        templates = {template["name"]: template for template in languages[name]["debugger"]["templates"]}
        for template_name, template in templates.items():
            if template_name == handler:
                continue
            assert template == reference[template_name], f"{name}: {template_name} differs from python's"
        expected = set(reference) - {handler} | ({handler} if name in ("python", "javascript", "typescript") else set())
        assert set(templates) == expected, name


def test_the_language_server_is_lambda_dap_lsp_in_sam_projects(
    config: dict[str, Any], languages: dict[str, dict[str, Any]]
) -> None:
    server = config["language-server"]["lambda-dap"]
    assert set(server) <= SERVER_FIELDS
    assert (server["command"], server["args"]) == ("lambda-dap", ["lsp"])
    assert "template.yaml" in server["required-root-patterns"]
    for name in LANGUAGES:
        servers = languages[name]["language-servers"]
        assert servers[-1] == "lambda-dap", name
        assert len(set(servers)) == len(servers), name
        assert len(servers) > 1, f"{name}: the list replaces Helix's own, so its default servers must stay in it"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_filled_in_is_a_launch_request_the_schema_accepts(
    languages: dict[str, dict[str, Any]], language: str, tmp_path: Path
) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "event.json").write_text("{}", encoding="utf-8")
    (tmp_path / "template.yaml").write_text("Resources: {}\n", encoding="utf-8")
    (tmp_path / "src").mkdir()
    samples = {
        "template": "template.yaml",
        "function (logical ID)": "HelloWorldFunction",
        "event file": "events/event.json",
        "handler (module.function)": "app.lambda_handler",
        "code directory": "src",
    }
    for template in languages[language]["debugger"]["templates"]:
        answers = []
        for completion in template.get("completion", []):
            name = completion if isinstance(completion, str) else completion.get("name")
            answers.append(samples.get(name) or completion.get("default"))
        arguments = fill_in(template, answers, tmp_path)
        document = {**arguments, "request": template["request"], "name": template["name"]}
        errors = launch_configuration_errors(document)
        assert errors == [], f"{language}: {template['name']}: {errors}"
        assert PLACEHOLDER.search(repr(arguments)) is None


def test_filled_in_templates_carry_the_answers_where_lambda_dap_reads_them(
    languages: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    (tmp_path / "template.yaml").write_text("Resources: {}\n", encoding="utf-8")
    templates = {template["name"]: template for template in languages["python"]["debugger"]["templates"]}
    flat = fill_in(templates["lambda: template function, keep alive"], ["template.yaml", "Ingest"], tmp_path)
    assert flat == {
        "type": "lambda",
        "template": str(tmp_path / "template.yaml"),  # a filename answer: made absolute
        "function": "Ingest",
        "keepAlive": True,
        "cwd": str(tmp_path),
    }
    toolkit = fill_in(templates["aws-sam: template function (AWS Toolkit fields)"], ["template.yaml", "Fn"], tmp_path)
    assert toolkit["invokeTarget"] == {
        "target": "template",
        "templatePath": str(tmp_path / "template.yaml"),
        "logicalId": "Fn",
    }
    assert toolkit["type"] == "aws-sam"
    handler = fill_in(templates["lambda: handler without a template"], ["app.handler", "python3.13", "."], tmp_path)
    assert (handler["handler"], handler["runtime"], handler["codeDir"]) == ("app.handler", "python3.13", str(tmp_path))
