"""Globals merged as SAM's GlobalsPlugin merges them."""

from __future__ import annotations

import pytest

from lambda_dap.errors import TemplateError
from lambda_dap.template.globals import function_globals, merge_globals
from lambda_dap.template.location import FieldPath


def test_scalars_are_overridden_by_the_function() -> None:
    assert merge_globals({"Timeout": 10, "Runtime": "python3.12"}, {"Timeout": 30}) == {
        "Timeout": 30,
        "Runtime": "python3.12",
    }


def test_mappings_merge_key_by_key_recursively() -> None:
    merged = merge_globals(
        {"Environment": {"Variables": {"A": "global", "B": "global"}}},
        {"Environment": {"Variables": {"B": "local", "C": "local"}}},
    )

    assert merged == {"Environment": {"Variables": {"A": "global", "B": "local", "C": "local"}}}


def test_lists_are_concatenated_globals_first() -> None:
    assert merge_globals({"Layers": ["g1", "g2"]}, {"Layers": ["l1"]}) == {"Layers": ["g1", "g2", "l1"]}


def test_an_intrinsic_counts_as_a_single_value() -> None:
    merged = merge_globals(
        {"Environment": {"Variables": {"A": "a"}}, "Layers": ["g"]},
        {"Environment": {"Fn::If": ["C", {"Variables": {}}, {"Ref": "AWS::NoValue"}]}, "Layers": {"Ref": "L"}},
    )

    assert merged == {
        "Environment": {"Fn::If": ["C", {"Variables": {}}, {"Ref": "AWS::NoValue"}]},
        "Layers": {"Ref": "L"},
    }


def test_different_kinds_take_the_function_value() -> None:
    assert merge_globals({"Architectures": ["arm64"]}, {"Architectures": "x86_64"}) == {"Architectures": "x86_64"}


def test_the_inputs_are_not_changed() -> None:
    global_properties = {"Environment": {"Variables": {"A": "a"}}, "Layers": ["g"]}
    merge_globals(global_properties, {"Environment": {"Variables": {"B": "b"}}, "Layers": ["l"]})

    assert global_properties == {"Environment": {"Variables": {"A": "a"}}, "Layers": ["g"]}


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({"Globals": ["x"]}, "template.yaml: Globals: expected a mapping such as {Function: {Timeout: 10}}"),
        ({"Globals": {"Function": "x"}}, "template.yaml: Globals.Function: expected a mapping of function properties"),
    ],
)
def test_bad_globals(template: dict, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        function_globals(template, FieldPath("template.yaml"))

    assert str(caught.value) == message


def test_no_globals() -> None:
    assert function_globals({}, FieldPath("t")) == {}
    assert function_globals({"Globals": {"Api": {}}}, FieldPath("t")) == {}


def test_ignore_globals_all_or_some() -> None:
    global_properties = {"Timeout": 10, "Layers": ["g"], "Runtime": "python3.12"}

    assert merge_globals(global_properties, {"Handler": "h"}, "*") == {"Handler": "h"}
    assert merge_globals(global_properties, {"Layers": ["l"]}, ["Layers", "Timeout"]) == {
        "Runtime": "python3.12",
        "Layers": ["l"],
    }
