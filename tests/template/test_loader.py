"""load_template: JSON and YAML, CloudFormation short-form tags, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.errors import TemplateError, TemplateNotFound
from lambda_dap.template import load_template

from .conftest import FIXTURES, WriteTemplate


def properties(template: dict, logical_id: str = "Fn") -> dict:
    return template["Resources"][logical_id]["Properties"]


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ("!Ref Stage", {"Ref": "Stage"}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ('!Sub "${AWS::Region}-x"', {"Fn::Sub": "${AWS::Region}-x"}),
        ('!Sub ["${A}", {A: b}]', {"Fn::Sub": ["${A}", {"A": "b"}]}),
        ("!GetAtt Table.Arn", {"Fn::GetAtt": ["Table", "Arn"]}),
        ("!GetAtt Stack.Outputs.Url", {"Fn::GetAtt": ["Stack", "Outputs.Url"]}),
        ("!GetAtt [Table, StreamArn]", {"Fn::GetAtt": ["Table", "StreamArn"]}),
        ("!Join [',', [a, b]]", {"Fn::Join": [",", ["a", "b"]]}),
        ("!If [IsProd, 1, 2]", {"Fn::If": ["IsProd", 1, 2]}),
        ("!Select [0, !Split [',', 'a,b']]", {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}),
        ("!FindInMap [M, !Ref K, V]", {"Fn::FindInMap": ["M", {"Ref": "K"}, "V"]}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        (
            "!And [!Condition A, !Not [!Condition B]]",
            {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]},
        ),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        (
            "!Transform {Name: AWS::Include, Parameters: {Location: x}}",
            {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "x"}}},
        ),
        ("!ToJsonString {a: 1}", {"Fn::ToJsonString": {"a": 1}}),
    ],
)
def test_short_form_tags_become_intrinsic_mappings(
    write_template: WriteTemplate, yaml_value: str, expected: object
) -> None:
    path = write_template(
        f"Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      V: {yaml_value}\n"
    )

    assert properties(load_template(path))["V"] == expected


def test_timestamps_stay_strings_and_merge_keys_work(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        AWSTemplateFormatVersion: 2010-09-09
        Common: &common
          Runtime: python3.12
          Timeout: 5
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              <<: *common
              Released: 2024-01-02T03:04:05Z
        """
    )

    template = load_template(path)

    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert properties(template) == {"Runtime": "python3.12", "Timeout": 5, "Released": "2024-01-02T03:04:05Z"}


def test_json_template_loads() -> None:
    template = load_template(FIXTURES / "json-app" / "template.json")

    assert properties(template, "GreeterFunction")["Environment"]["Variables"]["SELF_ARN"] == {
        "Fn::GetAtt": ["GreeterFunction", "Arn"]
    }


def test_json_looking_yaml_with_tags_falls_back_to_yaml(write_template: WriteTemplate) -> None:
    path = write_template('{"Resources": {"Fn": {"Type": "T", "Properties": {"V": !Ref X}}}}')

    assert properties(load_template(path))["V"] == {"Ref": "X"}


def test_missing_file(write_template: WriteTemplate) -> None:
    with pytest.raises(TemplateNotFound, match=r"^Template file not found: nope\.yaml$"):
        load_template(Path("nope.yaml"))


def test_bad_yaml_names_file_and_line(write_template: WriteTemplate) -> None:
    path = write_template(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {\n      Handler: x\n"
    )

    with pytest.raises(TemplateError) as caught:
        load_template(path)

    message = str(caught.value)
    assert message.startswith("template.yaml:")
    assert "\n" not in message
    line = int(message.split(":")[1])
    assert 4 <= line <= 6


def test_bad_indentation_reports_its_line(write_template: WriteTemplate) -> None:
    path = write_template("Resources:\n  Fn:\n    Type: x\n   Properties: y\n")

    with pytest.raises(TemplateError, match=r"^template\.yaml:4: "):
        load_template(path)


def test_bad_json_file_names_file_and_line(write_template: WriteTemplate) -> None:
    path = write_template('{\n  "Resources": {\n    "Fn": 1,\n  }\n}\n', name="template.json")

    with pytest.raises(TemplateError, match=r"^template\.json:4: invalid JSON: "):
        load_template(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "template.yaml: expected a CloudFormation template (a mapping), got an empty file"),
        ("- a\n- b\n", "template.yaml: expected a CloudFormation template (a mapping), got a list"),
        ("Description: x\n", "template.yaml: Resources: missing; a template needs a Resources section"),
        ("Resources: [a]\n", "template.yaml: Resources: expected a mapping of logical IDs to resources"),
    ],
)
def test_template_shape_errors(write_template: WriteTemplate, text: str, message: str) -> None:
    path = write_template(text)

    with pytest.raises(TemplateError) as caught:
        load_template(path)

    assert str(caught.value) == message


def test_directory_instead_of_file(write_template: WriteTemplate, tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()

    with pytest.raises(TemplateError, match=r"^dir\.yaml: expected a template file, got a directory$"):
        load_template(tmp_path / "dir.yaml")


def test_not_utf8(write_template: WriteTemplate, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_bytes(b"Resources:\n  \xff\xfe: 1\n")

    with pytest.raises(TemplateError, match=r"^template\.yaml: expected UTF-8 text"):
        load_template(tmp_path / "template.yaml")
