"""Nested stacks: local ones loaded recursively with their Parameters; remote ones skipped; cycles caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.errors import TemplateError, TemplateNotFound
from lambda_dap.template import load_functions

from .conftest import FIXTURES, WriteTemplate

ROOT = FIXTURES / "nested"


def test_nested_functions_in_template_order_with_full_paths() -> None:
    catalog = load_functions(ROOT / "template.yaml")

    assert catalog.full_paths == [
        "HealthFunction",
        "OrdersApp/CreateOrder",
        "OrdersApp/Payments/Charge",
        "OrdersApp/Payments/HealthFunction",
        "SharedStack/Notifier",
    ]


def test_parameters_are_passed_down_and_paths_are_relative_to_each_template() -> None:
    functions = {f.full_path: f for f in load_functions(ROOT / "template.yaml", parameter_overrides={"Stage": "qa"})}

    create = functions["OrdersApp/CreateOrder"]
    assert create.template_path == ROOT / "apps" / "orders" / "template.yaml"
    assert create.code_path == ROOT / "apps" / "orders" / "src"
    assert create.function_name == "create-order-qa"
    assert (create.runtime, create.timeout_s) == ("python3.11", 20)  # the child's own Globals
    assert create.environment == {"TABLE": "orders-qa", "REGION": "us-east-1"}

    charge = functions["OrdersApp/Payments/Charge"]
    assert charge.environment == {"STAGE": "qa"}
    assert charge.code_path == ROOT / "apps" / "orders" / "payments" / "charge"

    notifier = functions["SharedStack/Notifier"]  # TemplateURL naming a directory: its template.yaml
    assert notifier.template_path == ROOT / "stacks" / "template.yaml"
    assert notifier.environment == {"STAGE": "qa"}


def test_region_override_applies_to_every_stack() -> None:
    functions = {
        f.full_path: f
        for f in load_functions(ROOT / "template.yaml", parameter_overrides={"AWS::Region": "eu-north-1"})
    }

    assert functions["OrdersApp/CreateOrder"].environment["REGION"] == "eu-north-1"


def test_base_dir_maps_nested_code_paths_below_it(tmp_path: Path) -> None:
    functions = {f.full_path: f for f in load_functions(ROOT / "template.yaml", base_dir=tmp_path)}

    assert functions["HealthFunction"].code_path == tmp_path / "health"
    assert functions["OrdersApp/Payments/Charge"].code_path == tmp_path / "apps" / "orders" / "payments" / "charge"


def test_unresolved_child_parameter_leaves_the_childs_ref_unresolved(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        Resources:
          Child:
            Type: AWS::CloudFormation::Stack
            Properties:
              TemplateURL: child.yaml
              Parameters:
                Name: !ImportValue exported-name
        """
    )
    write_template(
        """
        Parameters:
          Name: {Type: String}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: a.b, Runtime: python3.12, Environment: {Variables: {NAME: !Ref Name}}}
        """,
        name="child.yaml",
    )

    (function,) = load_functions(path).functions

    assert function.environment == {"NAME": {"Ref": "Name"}}


def test_nested_stack_whose_condition_is_false_is_skipped(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        Conditions:
          Never: !Equals [a, b]
        Resources:
          Child:
            Type: AWS::Serverless::Application
            Condition: Never
            Properties:
              Location: missing.yaml
        """
    )

    assert load_functions(path).functions == []


def test_missing_child_template(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        Resources:
          Child:
            Type: AWS::Serverless::Application
            Properties:
              Location: apps/missing.yaml
        """
    )

    with pytest.raises(TemplateNotFound) as caught:
        load_functions(path)

    assert str(caught.value) == (
        "Template file not found: apps/missing.yaml (from Resources.Child.Properties.Location in template.yaml)"
    )


def test_cycle_is_detected(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        Resources:
          A:
            Type: AWS::Serverless::Application
            Properties:
              Location: a.yaml
        """
    )
    write_template(
        """
        Resources:
          Back:
            Type: AWS::CloudFormation::Stack
            Properties:
              TemplateURL: ./template.yaml
        """,
        name="a.yaml",
    )

    with pytest.raises(TemplateError) as caught:
        load_functions(path)

    assert str(caught.value) == (
        "a.yaml: Resources.Back.Properties.TemplateURL: nested stacks form a cycle: "
        "template.yaml -> a.yaml -> template.yaml"
    )


def test_a_template_nesting_itself_is_a_cycle(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        Resources:
          Self:
            Type: AWS::Serverless::Application
            Properties:
              Location: template.yaml
        """
    )

    with pytest.raises(TemplateError, match=r"nested stacks form a cycle: template\.yaml -> template\.yaml$"):
        load_functions(path)


def test_the_same_child_twice_is_not_a_cycle(write_template: WriteTemplate) -> None:
    path = write_template(
        """
        Resources:
          Blue:
            Type: AWS::Serverless::Application
            Properties: {Location: app.yaml}
          Green:
            Type: AWS::Serverless::Application
            Properties: {Location: app.yaml}
        """
    )
    write_template(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: a.b, Runtime: python3.12}\n",
        name="app.yaml",
    )

    assert load_functions(path).full_paths == ["Blue/Fn", "Green/Fn"]
