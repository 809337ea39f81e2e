"""Problems in a template: handlers, code locations, runtimes, and names that `!Ref`/`!GetAtt`/`!Sub`/
`!FindInMap` use but the template does not define."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from lambda_dap.lsp.handlers import (
    compiled_module,
    definitions,
    handler_file,
    language_of,
    split_handler,
    suffixes,
)
from lambda_dap.lsp.model import SERVERLESS_FUNCTION, FunctionEntry, TemplateModel
from lambda_dap.lsp.nodes import Node
from lambda_dap.lsp.problems import WARNING, Problem, field_text
from lambda_dap.lsp.text import Span

PSEUDO_PARAMETERS = (
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def template_problems(model: TemplateModel) -> list[Problem]:
    problems = list(model.problems)
    for entry in model.functions:
        problems.extend(_function_problems(model, entry))
    problems.extend(reference_problems(model))
    return sorted(problems, key=lambda problem: (problem.span.start, problem.code))


# --- functions ---------------------------------------------------------------------------------------------------


def _function_problems(model: TemplateModel, entry: FunctionEntry) -> Iterator[Problem]:
    function = entry.function
    if function is None:
        return
    base = ("Resources", entry.logical_id, "Properties")
    code_node = entry.property_node(model, "CodeUri" if entry.resource_type == SERVERLESS_FUNCTION else "Code")
    if function.unsupported_reason:
        where = code_node.content_span if code_node is not None and code_node.kind == "scalar" else entry.key.span
        yield Problem(
            where,
            f"{entry.logical_id} cannot run locally: {function.unsupported_reason}",
            "code-not-local",
            WARNING,
            field_text((*base, "CodeUri")),
        )
        return
    if function.package_type != "Zip" or function.inline_code is not None:
        return
    yield from _runtime_problems(model, entry)
    if entry.resource_type == SERVERLESS_FUNCTION and code_node is None:
        yield Problem(
            entry.key.span,
            f"{entry.logical_id}: CodeUri missing; SAM needs CodeUri (or InlineCode), "
            "locally the template's directory is used",
            "code-uri-missing",
            WARNING,
            field_text((*base, "CodeUri")),
        )
    code_path = function.code_path
    if code_path is None:
        return
    if not code_path.exists():
        where = code_node.content_span if code_node is not None else entry.key.span
        written = code_node.text if code_node is not None and code_node.text else _shown(model, code_path)
        yield Problem(
            where,
            f"CodeUri: {written} does not exist (in {_shown(model, model.directory)})",
            "code-uri-not-found",
            field=field_text((*base, "CodeUri")),
        )
        return
    if code_path.is_dir():
        yield from _handler_problems(model, entry)


def _runtime_problems(model: TemplateModel, entry: FunctionEntry) -> Iterator[Problem]:
    from lambda_dap.errors import OptionError
    from lambda_dap.invoke.runtimes import runtime_family

    runtime, node = entry.function.runtime, entry.property_node(model, "Runtime")
    where = field_text(("Resources", entry.logical_id, "Properties", "Runtime"))
    if runtime is None:
        yield Problem(
            entry.key.span,
            f"{entry.logical_id}: Runtime missing; a Zip function needs one such as python3.12",
            "runtime-missing",
            field=where,
        )
        return
    try:
        runtime_family(runtime)
    except OptionError as error:
        span = node.content_span if node is not None else entry.key.span
        yield Problem(span, f"Runtime: {error}", "unsupported-runtime", field=where)


def _handler_problems(model: TemplateModel, entry: FunctionEntry) -> Iterator[Problem]:
    function = entry.function
    language = language_of(function.runtime)
    node = entry.property_node(model, "Handler")
    where = field_text(("Resources", entry.logical_id, "Properties", "Handler"))
    if function.handler is None:
        yield Problem(
            entry.key.span,
            f"{entry.logical_id}: Handler missing; expected e.g. app.lambda_handler",
            "handler-missing",
            field=where,
        )
        return
    if language is None or node is None:
        return
    span = node.content_span
    target = split_handler(function.handler, language)
    if target is None:
        yield Problem(
            span, f"Handler: expected module.function, got {function.handler!r}", "handler-invalid", field=where
        )
        return
    path = handler_file(function.code_path, function.handler, language)
    code = _shown(model, function.code_path)
    if path is None and (
        function.layers or (language == "python" and compiled_module(function.code_path, function.handler))
    ):
        return  # a layer may provide the module, and a compiled one defines what it defines: the runtime will tell
    if path is None:
        names = " or ".join(f"{target.module}{suffix}" for suffix in suffixes(language)[:4])
        yield Problem(span, f"Handler {function.handler}: no {names} in {code}", "handler-file-not-found", field=where)
        return
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return
    if not definitions(text, language, target.function):
        yield Problem(
            span,
            f"Handler {function.handler}: {_shown(model, path)} defines no function {target.function}",
            "handler-function-not-found",
            field=where,
        )


def _shown(model: TemplateModel, path) -> str:
    try:
        return path.relative_to(model.directory).as_posix() + ("/" if path.is_dir() else "")
    except ValueError:
        return str(path)


# --- references --------------------------------------------------------------------------------------------------


def known_names(model: TemplateModel) -> list[str]:
    """What `!Ref` may name: parameters, resources (those Fn::ForEach generates too), pseudo parameters."""
    return [*map(str, model.parameters), *map(str, model.resources), *model.generated, *PSEUDO_PARAMETERS]


def reference_problems(model: TemplateModel) -> Iterator[Problem]:
    names = set(known_names(model))
    resources = {*map(str, model.resources), *model.generated}
    mappings = model.data.get("Mappings") if isinstance(model.data.get("Mappings"), dict) else {}
    for node in _outside_loops(model.root):
        call = node.intrinsic()
        if call is None:
            continue
        function, argument = call
        if function == "Ref":
            yield from _ref(argument, names)
        elif function == "Fn::GetAtt":
            yield from _get_att(model, argument, resources)
        elif function == "Fn::Sub":
            yield from _sub(model, argument, names, resources)
        elif function == "Fn::FindInMap":
            yield from _find_in_map(argument, mappings)


def _outside_loops(node: Node) -> Iterator[Node]:
    """`node` and every node under it but the bodies of `Fn::ForEach::*` loops (AWS::LanguageExtensions): their
    identifiers and the names they generate exist only once the loop is expanded."""
    yield node
    for key, value in node.items:
        yield key
        if not (isinstance(key.text, str) and key.text.startswith("Fn::ForEach::")):
            yield from _outside_loops(value)
    if node.kind == "seq":
        for item in node.value:
            yield from _outside_loops(item)


def _ref(argument: Node, names: set[str]) -> Iterator[Problem]:
    name = argument.text
    if name is not None and name not in names:
        yield Problem(
            argument.content_span,
            f"!Ref {name}: no parameter or resource named {name}{_hint(name, names)}",
            "unresolved-ref",
        )


def _get_att(model: TemplateModel, argument: Node, resources: set[str]) -> Iterator[Problem]:
    if argument.kind == "scalar" and argument.text:
        logical_id = argument.text.split(".", 1)[0]
        start = argument.content_span.start
        span = Span(start, start + len(logical_id))
    elif argument.kind == "seq" and argument.value and argument.value[0].text is not None:
        logical_id, span = argument.value[0].text, argument.value[0].content_span
    else:
        return
    if logical_id not in resources:
        yield Problem(
            span,
            f"!GetAtt {logical_id}: no resource named {logical_id}{_hint(logical_id, resources)}",
            "unresolved-getatt",
        )


def _sub(model: TemplateModel, argument: Node, names: set[str], resources: set[str]) -> Iterator[Problem]:
    if argument.kind == "seq" and argument.value:
        string, variables = argument.value[0], argument.value[1] if len(argument.value) > 1 else None
        local = {key.text for key, _ in variables.items} if variables is not None else set()
    else:
        string, local = argument, set()
    if string.kind != "scalar" or string.text is None:
        return
    span = string.content_span
    raw = model.source.text[span.start : span.end]
    for match in _SUB_VARIABLE.finditer(raw):
        name = match.group(1).strip()
        if not name or name.startswith("!") or name in local:
            continue
        head = name.split(".", 1)[0] if "." in name else name
        pool = resources if "." in name else names
        if head not in pool and name not in names:
            where = Span(span.start + match.start(1), span.start + match.end(1))
            kind = "resource" if "." in name else "parameter or resource"
            yield Problem(
                where, f"!Sub ${{{name}}}: no {kind} named {head}{_hint(head, pool | local)}", "unresolved-sub"
            )


def _find_in_map(argument: Node, mappings: dict) -> Iterator[Problem]:
    if argument.kind != "seq" or not argument.value:
        return
    first = argument.value[0]
    name = first.text
    if name is not None and first.intrinsic() is None and name not in mappings:
        yield Problem(
            first.content_span,
            f"!FindInMap {name}: no mapping named {name} in Mappings{_hint(name, set(map(str, mappings)))}",
            "unresolved-mapping",
        )


def _hint(name: str, choices: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
