"""Diagnostics, all at once and with exact ranges: templates (handlers, CodeUri, runtimes, unresolvable names),
env-vars files (undeclared functions and variables, bad values) and launch.json (schema, templates, logical IDs)."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.lsp.conftest import LanguageClient, diagnostics_for, open_document, range_of

pytestmark = pytest.mark.asyncio
ERROR, WARNING = types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning


def summary(found: list[types.Diagnostic]) -> list[tuple[str, types.Range, types.DiagnosticSeverity]]:
    return sorted(((d.code, d.range, d.severity) for d in found), key=lambda item: (item[1].start.line, item[0]))


async def test_a_clean_project_has_no_diagnostics(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    for path in (app / "template.yaml", app / ".vscode" / "launch.json"):
        uri = await open_document(client, path)
        assert list(client.diagnostics[uri]) == []


async def test_every_template_problem_with_its_range(client: LanguageClient) -> None:
    template = client.workspace_root / "broken" / "template.yaml"
    uri = await open_document(client, template)
    text = template.read_text()

    def at(token: str, after: str = "") -> types.Range:
        return range_of(client, text, token, after=after)

    key = at("NoCodeUriFunction")
    assert summary(client.diagnostics[uri]) == [
        ("handler-file-not-found", at("nothere.handler"), ERROR),
        ("handler-function-not-found", at("app.missing_handler"), ERROR),
        ("code-uri-not-found", at("gone/"), ERROR),
        ("code-uri-missing", key, WARNING),
        ("unsupported-runtime", at("cobol85"), ERROR),
        ("unresolved-ref", at("Stgae"), ERROR),
        ("unresolved-getatt", at("Missing", after="!GetAtt"), ERROR),
        ("unresolved-sub", at("Nope"), ERROR),  # after an emoji on the same line: 2 UTF-16 units, 4 UTF-8 bytes
        ("unresolved-mapping", at("NoSuchMap"), ERROR),
        ("unresolved-ref", at("AlsoMissing"), ERROR),
    ]
    messages = {d.code: d.message for d in client.diagnostics[uri]}
    assert messages["handler-file-not-found"] == "Handler nothere.handler: no nothere.py in hello/"
    assert messages["unresolved-ref"].startswith("!Ref ")
    assert "did you mean Stage?" in next(d.message for d in client.diagnostics[uri] if "Stgae" in d.message)
    handler = next(d for d in client.diagnostics[uri] if d.code == "handler-function-not-found")
    assert handler.data == {"field": "Resources.NoDefFunction.Properties.Handler"}
    assert all(d.source == "lambda-dap" for d in client.diagnostics[uri])


async def test_a_yaml_syntax_error_is_one_diagnostic_where_it_is(client: LanguageClient) -> None:
    path = client.workspace_root / "broken" / "bad.yaml"
    path.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n")
    uri = await open_document(client, path)
    (diagnostic,) = client.diagnostics[uri]
    assert diagnostic.code == "template-syntax" and diagnostic.message.startswith("invalid YAML")
    assert diagnostic.range == range_of(client, path.read_text(), "d", after="unclosed")  # where the list ends


async def test_a_global_property_of_the_wrong_type_is_reported_where_it_is_written(client: LanguageClient) -> None:
    path = client.workspace_root / "app" / "other.yaml"
    text = (client.workspace_root / "app" / "template.yaml").read_text().replace("Timeout: 10", "Timeout: soon")
    path.write_text(text)
    uri = await open_document(client, path)
    found = sorted(client.diagnostics[uri], key=lambda d: d.message)
    assert [(d.code, d.range) for d in found] == [("template-error", range_of(client, text, "soon"))] * 2
    assert [d.message.split(":")[0] for d in found] == [
        "Resources.HelloFunction.Properties.Timeout",
        "Resources.NodeFunction.Properties.Timeout",
    ]
    assert found[0].message.endswith('expected a positive whole number of seconds, got "soon"')


async def test_env_vars_entries_the_template_does_not_declare(client: LanguageClient) -> None:
    env = client.workspace_root / "app" / "env.json"
    uri = await open_document(client, env, "json")
    text = env.read_text()
    assert summary(client.diagnostics[uri]) == [
        ("env-vars-undeclared", range_of(client, text, '"UNUSED"'), WARNING),
        ("env-vars-undeclared", range_of(client, text, '"TYPO_VAR"'), WARNING),
        ("env-vars-unknown-function", range_of(client, text, '"GhostFunction"'), WARNING),
    ]
    assert "GhostFunction: no function GhostFunction in template.yaml" in client.diagnostics[uri][-1].message


async def test_an_env_vars_file_named_by_samconfig_with_a_bad_value(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    (app / "samconfig.toml").write_text(
        'version = 0.1\n[default.local_invoke.parameters]\nenv_vars = "vars/local.json"\n'
    )
    (app / "vars").mkdir()
    path = app / "vars" / "local.json"
    text = '{\n  "HelloFunction": {"GREETING": {"nested": true}}\n}\n'
    path.write_text(text)
    uri = await open_document(client, path, "json")
    assert summary(client.diagnostics[uri]) == [("env-vars-schema", range_of(client, text, '{"nested": true}'), ERROR)]


async def test_a_template_edit_updates_its_env_vars_diagnostics(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    env_uri = await open_document(client, app / "env.json", "json")
    template = app / "template.yaml"
    template_uri = await open_document(client, template)
    text = template.read_text().replace(
        "          GREETING: !Ref Greeting\n", "          GREETING: !Ref Greeting\n          TYPO_VAR: x\n"
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=template_uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await diagnostics_for(client, template_uri, version=2)
    codes = [(d.code, d.message.split(":")[0]) for d in client.diagnostics[env_uri]]
    assert ("env-vars-undeclared", "HelloFunction.TYPO_VAR") not in codes
    assert ("env-vars-undeclared", "Parameters.UNUSED") in codes


async def test_launch_json_problems_with_their_ranges(client: LanguageClient) -> None:
    launch = client.workspace_root / "broken" / ".vscode" / "launch.json"
    uri = await open_document(client, launch, "jsonc")
    text = launch.read_text()
    assert summary(client.diagnostics[uri]) == [
        ("launch-unknown-function", range_of(client, text, "NoSuchFunction"), ERROR),
        ("launch-schema", range_of(client, text, "not-a-port"), ERROR),
        ("launch-ignored", range_of(client, text, '"skipPullImag"'), WARNING),
        ("launch-unknown-function", range_of(client, text, "Ghost"), ERROR),
        ("launch-schema", range_of(client, text, '"invokeTarget"', after='"no logicalId"'), ERROR),
        ("launch-template-not-found", range_of(client, text, "${workspaceFolder}/nope.yaml"), ERROR),
    ]
    messages = [d.message for d in sorted(client.diagnostics[uri], key=lambda d: d.range.start.line)]
    assert messages[1] == 'debugPort: expected an integer or a list, got a string "not-a-port"'
    assert messages[4].startswith("invokeTarget.logicalId: missing")


async def test_handlers_the_runtime_can_import_without_a_source_file_are_not_errors(client: LanguageClient) -> None:
    """A compiled extension module, or a module a layer provides, imports fine: only the runtime can tell."""
    project = client.workspace_root / "compiled"
    (project / "src").mkdir(parents=True)
    (project / "src" / "fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    template = project / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Compiled:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: fast.handler\n      Runtime: python3.11\n"
        "  FromLayer:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: shared.handler\n      Runtime: python3.11\n"
        "      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:shared:1]\n"
        "  Missing:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: gone.handler\n      Runtime: python3.11\n"
    )
    uri = await open_document(client, template)
    found = [(d.code, d.message) for d in client.diagnostics[uri]]
    assert found == [("handler-file-not-found", "Handler gone.handler: no gone.py in src/")]
