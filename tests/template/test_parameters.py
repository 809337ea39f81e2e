"""Pseudo parameters and parameter values."""

from __future__ import annotations

import pytest

from lambda_dap.errors import TemplateError
from lambda_dap.template.location import FieldPath
from lambda_dap.template.parameters import parameter_values, pseudo_parameters

WHERE = FieldPath("template.yaml", "Parameters")
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/local/51af3dc0-da77-11e4-872e-1234567db123"


def test_pseudo_parameter_defaults() -> None:
    assert pseudo_parameters({}, {}) == {
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
        "AWS::Region": "us-east-1",
        "AWS::StackName": "local",
        "AWS::StackId": STACK_ID,
        "AWS::URLSuffix": "localhost",  # SAM's DEFAULT_PSEUDO_PARAM_VALUES
    }


@pytest.mark.parametrize(
    ("overrides", "environ", "region"),
    [
        ({"AWS::Region": "eu-west-1"}, {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ap-south-1"}, "eu-west-1"),
        ({}, {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ap-south-1"}, "us-west-2"),
        ({}, {"AWS_DEFAULT_REGION": "ap-south-1"}, "ap-south-1"),
        ({}, {}, "us-east-1"),
    ],
)
def test_region_precedence(overrides: dict, environ: dict, region: str) -> None:
    assert pseudo_parameters(overrides, environ)["AWS::Region"] == region


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-central-1", "aws")],
)
def test_partition_follows_the_region_and_url_suffix_stays_local(region: str, partition: str) -> None:
    values = pseudo_parameters({"AWS::Region": region}, {})

    assert values["AWS::Partition"] == partition
    assert values["AWS::URLSuffix"] == "localhost"  # SAM's in every region: its default is never re-derived
    assert values["AWS::StackId"].startswith(f"arn:{partition}:cloudformation:{region}:123456789012:stack/local/")


def test_pseudo_parameters_can_be_overridden() -> None:
    assert pseudo_parameters({"AWS::AccountId": "999999999999"}, {})["AWS::AccountId"] == "999999999999"
    assert pseudo_parameters({"AWS::URLSuffix": "amazonaws.com"}, {})["AWS::URLSuffix"] == "amazonaws.com"


def test_defaults_then_overrides_as_strings_and_lists() -> None:
    declared = {
        "Stage": {"Type": "String", "Default": "dev"},
        "Memory": {"Type": "Number", "Default": 512},
        "Debug": {"Type": "String", "Default": True},
        "Subnets": {"Type": "CommaDelimitedList", "Default": "a, b,c"},
        "Groups": {"Type": "List<AWS::EC2::SecurityGroup::Id>", "Default": ["sg-1", "sg-2"]},
        "Secret": {"Type": "String", "NoEcho": True},
    }
    overrides = {"Stage": "prod", "Subnets": "x,y", "NotDeclared": "ignored"}

    assert parameter_values(declared, overrides, WHERE) == {
        "Stage": "prod",
        "Memory": "512",
        "Debug": "true",
        "Subnets": ["x", "y"],
        "Groups": ["sg-1", "sg-2"],
    }


def test_comma_delimited_default_is_split_and_trimmed() -> None:
    declared = {"Subnets": {"Type": "CommaDelimitedList", "Default": "a, b,c"}}

    assert parameter_values(declared, {}, WHERE) == {"Subnets": ["a", "b", "c"]}


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ([1], "template.yaml: Parameters: expected a mapping of parameter names to their Type and Default"),
        ({"Stage": "dev"}, 'template.yaml: Parameters.Stage: expected a mapping with Type and Default, got "dev"'),
        (
            {"Stage": {"Type": "String", "Default": {"a": 1}}},
            'template.yaml: Parameters.Stage: expected a string, number or list value, got {"a": 1}',
        ),
    ],
)
def test_bad_parameters(declared: object, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parameter_values(declared, {}, WHERE)

    assert str(caught.value) == message
