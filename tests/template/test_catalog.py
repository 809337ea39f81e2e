"""FunctionCatalog.find: identifiers as `sam local invoke` takes them, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.errors import FunctionIdentifierRequired, FunctionNotFound, UnsupportedFunction
from lambda_dap.template import FunctionCatalog, load_functions
from lambda_dap.template.catalog import split_identifier
from lambda_dap.template.model import Function

from .conftest import FIXTURES, WriteTemplate


def catalog_of(*full_paths: str, names: dict[str, str] | None = None) -> FunctionCatalog:
    names = names or {}
    functions = [
        Function(
            logical_id=path.rpartition("/")[2],
            full_path=path,
            template_path=Path("/project/template.yaml"),
            function_name=names.get(path),
        )
        for path in full_paths
    ]
    return FunctionCatalog(Path("/project/template.yaml"), functions)


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("Func", ("", "Func")),
        ("Child/Func", ("Child", "Func")),
        ("A/B/Func", ("A/B", "Func")),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-fn", ("", "my-fn")),
        ("arn:aws-cn:lambda:cn-north-1:123456789012:function:my-fn:live", ("", "my-fn")),
        ("123456789012:function:my-fn", ("", "my-fn")),
        ("123456789012:function:my-fn:3", ("", "my-fn")),
        ("my-fn:live", ("", "my-fn")),
        ("Child/my-fn:live", ("Child", "my-fn")),
    ],
)
def test_split_identifier(identifier: str, expected: tuple[str, str]) -> None:
    assert split_identifier(identifier) == expected


def test_the_only_function_needs_no_identifier() -> None:
    assert catalog_of("Child/Only").find(None).full_path == "Child/Only"


def test_several_functions_need_an_identifier() -> None:
    with pytest.raises(FunctionIdentifierRequired) as caught:
        catalog_of("A", "B", "Child/C").find(None)

    assert str(caught.value) == "/project/template.yaml has 3 functions; name one of: A, B, Child/C"


def test_no_functions() -> None:
    with pytest.raises(FunctionNotFound, match=r"^No functions found in /project/template\.yaml$"):
        catalog_of().find(None)


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("Child/Func", "Child/Func"),
        ("Func", "Func"),  # logical ID: top level first
        ("Deep", "A/B/Deep"),  # logical ID in a nested stack
        ("A/B/Deep", "A/B/Deep"),
        ("Child/Other", "Child/Other"),
        ("orders-api", "Api"),  # FunctionName
        ("arn:aws:lambda:us-east-1:123456789012:function:orders-api:live", "Api"),
        ("123456789012:function:orders-api", "Api"),
        ("orders-api:prod", "Api"),
        ("arn:aws:lambda:us-east-1:123456789012:function:Func", "Func"),
        ("Child/child-name", "Child/Other"),
    ],
)
def test_find(identifier: str, expected: str) -> None:
    catalog = catalog_of(
        "Child/Func", "Func", "Api", "A/B/Deep", "Child/Other", names={"Api": "orders-api", "Child/Other": "child-name"}
    )

    assert catalog.find(identifier).full_path == expected


def test_logical_id_wins_over_function_name() -> None:
    catalog = catalog_of("First", "Second", names={"First": "Second"})

    assert catalog.find("Second").full_path == "Second"


def test_not_found_names_the_template_and_the_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the template is elsewhere: shown as an absolute path

    with pytest.raises(FunctionNotFound) as caught:
        catalog_of("A", "B", "Child/C").find("Missing")

    expected = "Function 'Missing' not found in template: /project/template.yaml. Functions: A, B, Child/C"
    assert str(caught.value) == expected


def test_stack_prefix_restricts_the_search() -> None:
    with pytest.raises(FunctionNotFound):
        catalog_of("Func", "Child/Other").find("Child/Func")


def test_messages_show_template_paths_relative_to_the_working_directory(write_template: WriteTemplate) -> None:
    path = write_template(
        "Resources:\n  A:\n    Type: AWS::Serverless::Function\n  B:\n    Type: AWS::Serverless::Function\n"
    )
    catalog = load_functions(path)

    with pytest.raises(FunctionNotFound) as not_found:
        catalog.find("C")
    with pytest.raises(FunctionIdentifierRequired) as required:
        catalog.find(None)

    assert str(not_found.value) == "Function 'C' not found in template: template.yaml. Functions: A, B"
    assert str(required.value) == "template.yaml has 2 functions; name one of: A, B"


def test_unsupported_function_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "lambda-function")
    catalog = load_functions(Path("template.yaml"))

    with pytest.raises(UnsupportedFunction) as caught:
        catalog.find("S3CodeUriFunction")

    assert str(caught.value) == (
        "Function 'S3CodeUriFunction' in template.yaml cannot run locally: "
        'Resources.S3CodeUriFunction.Properties.CodeUri is "s3://my-bucket/function.zip", not a local path '
        "(run `sam build`)"
    )
    assert catalog.get("S3CodeUriFunction") is not None  # still listed


def test_inline_code_functions_are_returned() -> None:
    catalog = load_functions(FIXTURES / "lambda-function" / "template.yaml")

    assert catalog.find("InlineFunction").inline_code is not None
    assert catalog.find("packaged-fn").logical_id == "PackagedFunction"


def test_catalog_is_iterable_and_sized() -> None:
    catalog = catalog_of("A", "B")

    assert len(catalog) == 2
    assert [function.full_path for function in catalog] == ["A", "B"]
