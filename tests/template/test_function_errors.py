"""Bad function properties: one line naming the file, the field path and what is expected."""

from __future__ import annotations

import pytest

from lambda_dap.errors import TemplateError
from lambda_dap.template import load_functions

from .conftest import WriteTemplate

FIELD = "template.yaml: Resources.HelloFunction.Properties."
HEADER = """\
Parameters:
  NoDefault:
    Type: Number
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
"""


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            "Timeout: abc",
            FIELD + 'Timeout: expected a positive whole number of seconds, got "abc"',
        ),
        (
            "Timeout: 2.5",
            FIELD + "Timeout: expected a positive whole number of seconds, got 2.5",
        ),
        (
            "Timeout: 0",
            FIELD + "Timeout: expected a positive whole number of seconds, got 0",
        ),
        (
            "Timeout: !Ref NoDefault",
            FIELD + "Timeout: expected a positive whole number of seconds, got "
            '{"Ref": "NoDefault"}, which cannot be resolved locally (give its parameter a value)',
        ),
        (
            "MemorySize: [128]",
            FIELD + "MemorySize: expected a positive whole number of megabytes, got [128]",
        ),
        (
            "MemorySize: true",
            FIELD + "MemorySize: expected a positive whole number of megabytes, got true",
        ),
        (
            "Architectures: arm64",
            FIELD + 'Architectures: expected a one-element list, [x86_64] or [arm64], got "arm64"',
        ),
        (
            "Architectures: [x86_64, arm64]",
            FIELD + "Architectures: expected a one-element list, "
            '[x86_64] or [arm64], got ["x86_64", "arm64"] (Globals lists are added to the function\'s; see '
            "IgnoreGlobals)",
        ),
        (
            "Architectures: [aarch64]",
            FIELD + 'Architectures: expected a one-element list, [x86_64] or [arm64], got ["aarch64"]',
        ),
        (
            "Environment: [A=1]",
            FIELD + 'Environment: expected a mapping with Variables, got ["A=1"]',
        ),
        (
            "Environment: {Variables: [A]}",
            FIELD + 'Environment.Variables: expected a mapping of variable names to values, got ["A"]',
        ),
        (
            "Layers: arn:aws:lambda:us-east-1:123456789012:layer:x:1",
            FIELD + "Layers: expected a list of layer ARNs or !Ref to "
            'layers, got "arn:aws:lambda:us-east-1:123456789012:layer:x:1"',
        ),
        (
            "Layers: [my-layer]",
            FIELD + 'Layers[0]: expected a layer ARN or a !Ref to a layer of this template, got "my-layer"',
        ),
        (
            "Runtime: 3.12",
            FIELD + "Runtime: expected a runtime name such as python3.12, got 3.12",
        ),
        (
            "Handler: [app.handler]",
            FIELD + 'Handler: expected a handler such as app.lambda_handler, got ["app.handler"]',
        ),
        (
            "PackageType: zip",
            FIELD + 'PackageType: expected Zip or Image, got "zip"',
        ),
        (
            "ImageConfig: x",
            FIELD + 'ImageConfig: expected a mapping with EntryPoint, Command, ..., got "x"',
        ),
        (
            "LoggingConfig: JSON",
            FIELD + 'LoggingConfig: expected a mapping such as {LogFormat: JSON}, got "JSON"',
        ),
    ],
)
def test_bad_property(write_template: WriteTemplate, properties: str, message: str) -> None:
    key = properties.split(":")[0]
    kept = [line for line in HEADER.splitlines(keepends=True) if not line.startswith(f"      {key}:")]
    path = write_template("".join(kept) + f"      {properties}\n")

    with pytest.raises(TemplateError) as caught:
        load_functions(path)

    assert str(caught.value) == message


def test_integer_strings_from_parameters_are_accepted(write_template: WriteTemplate) -> None:
    path = write_template(HEADER + "      Timeout: !Ref NoDefault\n      MemorySize: ' 256 '\n")

    (function,) = load_functions(path, parameter_overrides={"NoDefault": "45"}).functions

    assert (function.timeout_s, function.memory_mb) == (45, 256)


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            "  Broken: just-a-string\n",
            'template.yaml: Resources.Broken: expected a mapping with Type and Properties, got "just-a-string"',
        ),
        (
            "  Broken:\n    Properties: {}\n",
            "template.yaml: Resources.Broken.Type: expected a resource type such as AWS::Serverless::Function",
        ),
        (
            "  Broken:\n    Type: AWS::Serverless::Function\n    Properties: [a]\n",
            'template.yaml: Resources.Broken.Properties: expected a mapping, got ["a"]',
        ),
    ],
)
def test_bad_resource(write_template: WriteTemplate, resources: str, message: str) -> None:
    path = write_template("Resources:\n" + resources)

    with pytest.raises(TemplateError) as caught:
        load_functions(path)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("Conditions: [a]\n", 'template.yaml: Conditions: expected a mapping, got ["a"]'),
        ("Mappings: x\n", 'template.yaml: Mappings: expected a mapping, got "x"'),
        ("Globals: x\n", "template.yaml: Globals: expected a mapping such as {Function: {Timeout: 10}}"),
        ("Parameters:\n  P: x\n", 'template.yaml: Parameters.P: expected a mapping with Type and Default, got "x"'),
    ],
)
def test_bad_section(write_template: WriteTemplate, section: str, message: str) -> None:
    path = write_template(section + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")

    with pytest.raises(TemplateError) as caught:
        load_functions(path)

    assert str(caught.value) == message


def test_errors_in_nested_templates_name_the_nested_file(write_template: WriteTemplate) -> None:
    path = write_template(
        "Resources:\n  Child:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: child/t.yaml\n"
    )
    write_template(HEADER + "      Timeout: soon\n", name="child/t.yaml")

    with pytest.raises(TemplateError) as caught:
        load_functions(path)

    assert str(caught.value) == (
        "child/t.yaml: Resources.HelloFunction.Properties.Timeout: "
        'expected a positive whole number of seconds, got "soon"'
    )
