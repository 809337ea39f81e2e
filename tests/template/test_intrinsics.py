"""Resolver: each intrinsic, resolved where local knowledge allows, left as written where not."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_dap.template.intrinsics import NO_VALUE, Resolver

SYMBOLS = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::StackName": "local",
    "Stage": "prod",
    "Subnets": ["subnet-a", "subnet-b"],
    "Count": "3",
}
RESOURCES = {
    "Api": {"Type": "AWS::Serverless::Function", "Properties": {"FunctionName": {"Fn::Sub": "api-${Stage}"}}},
    "Worker": {"Type": "AWS::Lambda::Function", "Properties": {}},
    "Loop": {"Type": "AWS::Serverless::Function", "Properties": {"FunctionName": {"Fn::GetAtt": ["Loop", "Arn"]}}},
    "Layer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "layer/"}},
    "Table": {"Type": "AWS::DynamoDB::Table"},
}
CONDITIONS = {
    "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
    "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
    "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["3", {"Ref": "Count"}]}]},
    "Either": {"Fn::Or": [{"Condition": "IsDev"}, {"Fn::Equals": [1, "1"]}]},
    "Unknown": {"Fn::Equals": [{"Ref": "NoSuchParameter"}, "x"]},
    "SelfLoop": {"Condition": "SelfLoop"},
}
MAPPINGS = {
    "StageConfig": {"prod": {"Memory": 1024, "Zones": ["a", "b"]}},
    "Accounts": {123456789012: {"Name": "sandbox"}},
}


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(symbols=SYMBOLS, resources=RESOURCES, conditions=CONDITIONS, mappings=MAPPINGS)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"Ref": "Stage"}, "prod"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Ref": "Subnets"}, ["subnet-a", "subnet-b"]),
        ({"Ref": "Table"}, "Table"),
        ({"Ref": "Layer"}, "Layer"),
        ({"Fn::Sub": "${Stage}-${AWS::Region}-${!Literal}"}, "prod-eu-west-1-${Literal}"),
        ({"Fn::Sub": "${ Stage }"}, "prod"),
        ({"Fn::Sub": ["${Name}.${Stage}", {"Name": {"Ref": "AWS::StackName"}}]}, "local.prod"),
        ({"Fn::Sub": "${Worker.Arn}"}, "arn:aws:lambda:eu-west-1:123456789012:function:Worker"),
        ({"Fn::GetAtt": ["Api", "Arn"]}, "arn:aws:lambda:eu-west-1:123456789012:function:api-prod"),
        ({"Fn::GetAtt": "Worker.Arn"}, "arn:aws:lambda:eu-west-1:123456789012:function:Worker"),
        ({"Fn::GetAtt": ["Loop", "Arn"]}, "arn:aws:lambda:eu-west-1:123456789012:function:Loop"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3, True]]}, "a-prod-3-true"),
        ({"Fn::Join": [",", {"Ref": "Subnets"}]}, "subnet-a,subnet-b"),
        ({"Fn::Select": [1, {"Ref": "Subnets"}]}, "subnet-b"),
        ({"Fn::Select": ["0", ["x", "y"]]}, "x"),
        ({"Fn::Split": ["|", "a|b|c"]}, ["a", "b", "c"]),
        ({"Fn::Select": [2, {"Fn::Split": ["|", "a|b|c"]}]}, "c"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "big"),
        ({"Fn::If": ["IsDev", "big", {"Ref": "Stage"}]}, "prod"),
        ({"Fn::If": ["Both", 1, 0]}, 1),
        ({"Fn::If": ["Either", 1, 0]}, 1),
        ({"Fn::FindInMap": ["StageConfig", {"Ref": "Stage"}, "Memory"]}, 1024),
        ({"Fn::FindInMap": ["StageConfig", "prod", "Zones"]}, ["a", "b"]),
        ({"Fn::FindInMap": ["Accounts", {"Ref": "AWS::AccountId"}, "Name"]}, "sandbox"),
        ({"Fn::FindInMap": ["StageConfig", "dev", "Memory", {"DefaultValue": 128}]}, 128),
        ({"Fn::Base64": {"Fn::Sub": "${Stage}"}}, "cHJvZA=="),
        ({"Ref": "AWS::NoValue"}, NO_VALUE),
    ],
)
def test_resolves(resolver: Resolver, node: Any, expected: Any) -> None:
    assert resolver.resolve(node) == expected


@pytest.mark.parametrize(
    "node",
    [
        {"Ref": "NoSuchParameter"},
        {"Fn::GetAtt": ["Table", "Arn"]},
        {"Fn::GetAtt": ["Api", "Version"]},
        {"Fn::Sub": "${NoSuchParameter}-x"},
        {"Fn::Sub": "${Table.StreamArn}"},
        {"Fn::Sub": "${Subnets}"},
        {"Fn::Join": [",", ["a", {"Fn::ImportValue": "x"}]]},
        {"Fn::Select": [5, ["a"]]},
        {"Fn::FindInMap": ["StageConfig", "dev", "Memory"]},
        {"Fn::If": ["Unknown", 1, 2]},
        {"Fn::If": ["NoSuchCondition", 1, 2]},
        {"Fn::If": ["SelfLoop", 1, 2]},
        {"Fn::ImportValue": "shared"},
        {"Fn::Transform": {"Name": "AWS::Include"}},
        {"Fn::Split": ["", "abc"]},
    ],
)
def test_unresolvable_subtrees_stay_as_written(resolver: Resolver, node: Any) -> None:
    assert resolver.resolve(node) == node


def test_resolves_inside_mappings_and_lists_and_drops_no_value(resolver: Resolver) -> None:
    node = {
        "A": {"Ref": "Stage"},
        "B": {"Fn::If": ["IsDev", "x", {"Ref": "AWS::NoValue"}]},
        "C": [{"Ref": "AWS::NoValue"}, {"Ref": "AWS::Region"}, {"Ref": "Missing"}],
        "D": {"Nested": {"Fn::Sub": "${Stage}"}, "Count": 3},
    }

    assert resolver.resolve(node) == {
        "A": "prod",
        "C": ["eu-west-1", {"Ref": "Missing"}],
        "D": {"Nested": "prod", "Count": 3},
    }


def test_conditions(resolver: Resolver) -> None:
    assert resolver.condition_holds("IsProd") is True
    assert resolver.condition_holds("IsDev") is False
    assert resolver.condition_holds("Unknown") is None
    assert resolver.condition_holds("NoSuchCondition") is None
    assert resolver.condition_holds("SelfLoop") is None


def test_if_resolves_only_the_chosen_branch(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::If": ["IsProd", "kept", {"Fn::ImportValue": "never-looked-at"}]}) == "kept"


def test_get_azs_lists_the_regions_zones():
    resolver = Resolver(symbols={"AWS::Region": "eu-west-1"}, resources={}, conditions={}, mappings={})
    assert resolver.resolve({"Fn::Select": [0, {"Fn::GetAZs": ""}]}) == "eu-west-1a"
    assert resolver.resolve({"Fn::GetAZs": "us-east-1"}) == [f"us-east-1{c}" for c in "abcdef"]
