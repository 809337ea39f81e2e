"""`Transform: AWS::LanguageExtensions` expanded locally as SAM CLI 1.170 does: Fn::ForEach (Resources, Conditions,
Outputs, nested, in Properties), Fn::Length, Fn::ToJsonString, Fn::FindInMap DefaultValue; on only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.errors import TemplateError
from lambda_dap.template import load_functions

from .conftest import FIXTURES, WriteTemplate

APP = FIXTURES / "language-extensions"
WORKERS = ["WorkerBluehighpriority", "WorkerBluelowpriority", "WorkerGreenhighpriority", "WorkerGreenlowpriority"]
HEADER = """
        Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
"""


def functions_in(template: Path, warnings: list[str] | None = None, **kwargs: object) -> dict:
    warn = warnings.append if warnings is not None else None
    catalog = load_functions(template, warn=warn, **kwargs)  # type: ignore[arg-type]
    return {function.full_path: function for function in catalog}


@pytest.fixture(autouse=True)
def _no_sam_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS", raising=False)


def test_foreach_generates_one_function_per_service_and_per_colour_and_queue() -> None:
    functions = functions_in(APP / "template.yaml", language_extensions=True)

    assert list(functions) == ["UsersFunction", "OrdersFunction", *WORKERS]
    users, orders = functions["UsersFunction"], functions["OrdersFunction"]
    assert (users.code_path, orders.code_path) == (APP / "services" / "Users", APP / "services" / "Orders")
    assert (users.handler, users.runtime, users.timeout_s) == ("app.handler", "python3.12", 10)  # Globals apply
    assert (users.memory_mb, orders.memory_mb) == (256, 512)  # FindInMap: the DefaultValue, then the mapping
    assert users.environment == {
        "STAGE": "dev",
        "SERVICE": "Users",
        "SERVICE_COUNT": "2",
        "SETTINGS": '{"service":"Users","stage":"dev","retries":3}',
        "TABLE": "dev-Users-table",
    }
    worker = functions["WorkerGreenlowpriority"]  # &{Queue}: low-priority without its hyphen
    assert (worker.code_path, worker.environment) == (APP / "workers", {"COLOUR": "Green", "QUEUE": "low-priority"})


def test_the_collection_parameter_takes_its_override() -> None:
    overrides = {"ServiceNames": "Users, Orders,Payments", "Stage": "prod"}
    functions = functions_in(APP / "template.yaml", parameter_overrides=overrides, language_extensions=True)

    assert list(functions)[:3] == ["UsersFunction", "OrdersFunction", "PaymentsFunction"]
    payments = functions["PaymentsFunction"]
    assert payments.code_path == APP / "services" / "Payments"
    assert (payments.environment["SERVICE_COUNT"], payments.environment["TABLE"]) == ("3", "prod-Payments-table")


def test_expanded_functions_are_found_by_their_logical_id() -> None:
    catalog = load_functions(APP / "template.yaml", language_extensions=True)

    assert catalog.find("OrdersFunction").code_path == APP / "services" / "Orders"
    assert catalog.find("WorkerBluehighpriority").environment["QUEUE"] == "high-priority"


@pytest.mark.parametrize("value", ["1", "true", "YES", " yes "])
def test_sam_environment_variable_turns_expansion_on(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS", value)

    assert "UsersFunction" in functions_in(APP / "template.yaml")
    assert functions_in(APP / "template.yaml", language_extensions=False) == {}  # the flag wins


@pytest.mark.parametrize("value", [None, "", "0", "false", "on"])
def test_off_by_default_as_in_sam_the_loops_are_left_out_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS", value)
    monkeypatch.chdir(APP)
    warnings: list[str] = []

    assert functions_in(APP / "template.yaml", warnings) == {}
    assert warnings == [
        "template.yaml: Resources.Fn::ForEach::Services, Resources.Fn::ForEach::Colours: not expanded "
        "(AWS::LanguageExtensions is expanded locally only with --language-extensions or "
        "SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS=1, as in SAM); the resources they generate are left out"
    ]
    assert "UsersFunction" in functions_in(APP / "template.yaml", language_extensions=True)


def test_transform_given_as_one_name(write_template: WriteTemplate) -> None:
    template = write_template(
        """
        Transform: AWS::LanguageExtensions
        Resources:
          Fn::ForEach::Functions:
            - Name
            - [Alpha, Beta]
            - ${Name}:
                Type: AWS::Lambda::Function
                Properties: {Handler: "${Name}.handler", Runtime: python3.12, Code: "src/${Name}"}
        """
    )
    functions = functions_in(template, language_extensions=True)

    assert [(f.logical_id, f.handler) for f in functions.values()] == [
        ("Alpha", "Alpha.handler"),
        ("Beta", "Beta.handler"),
    ]
    assert functions["Beta"].code_path == template.parent / "src" / "Beta"


def test_a_loop_without_the_transform_is_left_out(write_template: WriteTemplate) -> None:
    template = write_template(
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn::ForEach::Functions: [Name, [A], {"${Name}": {Type: AWS::Serverless::Function}}]
          Plain:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: python3.12}
        """
    )
    warnings: list[str] = []

    assert list(functions_in(template, warnings, language_extensions=True)) == ["Plain"]
    assert warnings == [
        "template.yaml: Resources.Fn::ForEach::Functions: not expanded (Fn::ForEach needs Transform: "
        "AWS::LanguageExtensions); the resources they generate are left out"
    ]


def test_conditions_generated_by_a_loop_decide_which_functions_exist(write_template: WriteTemplate) -> None:
    template = write_template(
        HEADER
        + """
        Parameters:
          Stage: {Type: String, Default: dev}
        Conditions:
          Fn::ForEach::Stages:
            - Name
            - [dev, prod]
            - Is&{Name}: !Equals [!Ref Stage, "${Name}"]
        Resources:
          Fn::ForEach::Functions:
            - Name
            - [dev, prod]
            - Only&{Name}:
                Type: AWS::Serverless::Function
                Condition: Is&{Name}
                Properties: {Handler: app.handler, Runtime: python3.12}
        """
    )
    assert list(functions_in(template, language_extensions=True)) == ["Onlydev"]
    assert list(functions_in(template, parameter_overrides={"Stage": "prod"}, language_extensions=True)) == ["Onlyprod"]


def test_loops_in_properties_refs_in_sub_and_items_as_text(write_template: WriteTemplate) -> None:
    template = write_template(
        HEADER
        + """
        Resources:
          Fn::ForEach::Sizes:
            - Size
            - [128, 1024, true]
            - Fn${Size}:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: app.handler
                  Runtime: python3.12
                  Environment:
                    Variables:
                      SIZE: !Ref Size
                      LABEL: !Sub ["${Prefix}-${Size}", {Prefix: !Ref Size}]
                      LENGTH: {"Fn::Length": [a, !Ref Size, c]}
                  Fn::ForEach::Limits:
                    - Limit
                    - [Timeout]
                    - ${Limit}: 9
        """
    )
    functions = functions_in(template, language_extensions=True)

    assert list(functions) == ["Fn128", "Fn1024", "Fntrue"]
    assert functions["Fn1024"].environment == {"SIZE": "1024", "LABEL": "1024-1024", "LENGTH": "3"}
    assert functions["Fn128"].timeout_s == 9  # the loop in Properties gave it Timeout


def test_to_json_string_keeps_what_cannot_be_resolved_and_length_needs_the_transform(
    write_template: WriteTemplate,
) -> None:
    body = """
        Resources:
          Table: {Type: AWS::DynamoDB::Table}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              Environment:
                Variables:
                  CONFIG: !ToJsonString {table: !GetAtt Table.Arn, region: !Ref AWS::Region, "n": [1, 2]}
                  COUNT: {"Fn::Length": [x, y]}
        """
    with_transform = write_template(HEADER + body)
    environment = functions_in(with_transform, language_extensions=True)["Fn"].environment
    assert environment == {
        "CONFIG": '{"table":{"Fn::GetAtt":["Table","Arn"]},"region":"us-east-1","n":[1,2]}',
        "COUNT": "2",
    }

    without = write_template("\n        Transform: AWS::Serverless-2016-10-31" + body)
    assert functions_in(without, language_extensions=True)["Fn"].environment["COUNT"] == {"Fn::Length": ["x", "y"]}


def test_a_collection_that_cannot_be_resolved_leaves_its_loop_out(write_template: WriteTemplate) -> None:
    template = write_template(
        HEADER
        + """
        Parameters:
          Names: {Type: CommaDelimitedList}
        Resources:
          Fn::ForEach::Named: [Name, !Ref Names, {"${Name}Fn": {Type: AWS::Serverless::Function}}]
          Fn::ForEach::Imported: [Name, !ImportValue names, {"${Name}Other": {Type: AWS::Serverless::Function}}]
          Kept:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: python3.12}
        """
    )
    warnings: list[str] = []

    assert list(functions_in(template, warnings, language_extensions=True)) == ["Kept"]
    assert warnings[1:] == [
        'template.yaml: Resources.Fn::ForEach::Named[1]: {"Ref": "Names"} cannot be resolved locally (parameter '
        "Names has no value: give it a Default, or Names=A,B in --parameter-overrides); the loop is left out",
        'template.yaml: Resources.Fn::ForEach::Imported[1]: {"Fn::ImportValue": "names"} cannot be resolved locally '
        "(use a CommaDelimitedList parameter and give it a value); the loop is left out",
    ]
    named = functions_in(template, parameter_overrides={"Names": "One"}, language_extensions=True)
    assert list(named) == ["OneFn", "Kept"]


def test_an_empty_collection_generates_nothing(write_template: WriteTemplate) -> None:
    template = write_template(
        HEADER
        + """
        Resources:
          Fn::ForEach::None: [Name, [], {"${Name}Fn": {Type: AWS::Serverless::Function}}]
        """
    )
    assert functions_in(template, language_extensions=True) == {}


@pytest.mark.parametrize(
    ("loop", "message"),
    [
        (
            "Fn::ForEach::Bad: [Name, [A]]",
            "Resources.Fn::ForEach::Bad: expected a list of 3: [Identifier, Collection, {OutputKey: OutputValue}], "
            "got a list of 2",
        ),
        (
            "Fn::ForEach::Bad: {Name: [A]}",
            "Resources.Fn::ForEach::Bad: expected a list of 3: [Identifier, Collection, {OutputKey: OutputValue}], "
            'got {"Name": ["A"]}',
        ),
        (
            'Fn::ForEach::Bad: [[Name], [A], {"${Name}": {Type: T}}]',
            'Resources.Fn::ForEach::Bad[0]: expected the loop\'s identifier, a name such as Name, got ["Name"]',
        ),
        (
            'Fn::ForEach::Bad: [Stage, [A], {"${Stage}": {Type: T}}]',
            "Resources.Fn::ForEach::Bad[0]: the identifier Stage is also the name of a parameter; choose another",
        ),
        (
            'Fn::ForEach::Stage: [Name, [A], {"${Name}": {Type: T}}]',
            "Resources.Fn::ForEach::Stage: the loop name Stage is also the name of a parameter; choose another",
        ),
        (
            'Fn::ForEach::: [Name, [A], {"${Name}": {Type: T}}]',
            "Resources.Fn::ForEach::: expected a loop name after Fn::ForEach:: (Fn::ForEach::Functions)",
        ),
        (
            "Fn::ForEach::Bad: [Name, [A], [x]]",
            "Resources.Fn::ForEach::Bad[2]: expected a mapping of output keys such as ${Name}Function to what each "
            'one is, got ["x"]',
        ),
        (
            'Fn::ForEach::Bad: [Name, !Ref Stage, {"${Name}": {Type: T}}]',
            "Resources.Fn::ForEach::Bad[1]: expected a list, or a Ref to a CommaDelimitedList or List<...> parameter, "
            'got "dev"',
        ),
        (
            'Fn::ForEach::Bad: [Name, 7, {"${Name}": {Type: T}}]',
            "Resources.Fn::ForEach::Bad[1]: expected a list, or a Ref to a CommaDelimitedList or List<...> parameter, "
            "got 7",
        ),
        (
            'Fn::ForEach::Bad: [Name, [A, {x: 1}], {"${Name}": {Type: T}}]',
            'Resources.Fn::ForEach::Bad[1][1]: expected a string, got {"x": 1}',
        ),
        (
            "Fn::ForEach::Bad: [Name, [A, B], {Same: {Type: T}}]",
            "Resources.Fn::ForEach::Bad[2]: gives Same for more than one item of the collection; put ${Name} or "
            "&{Name} in the key",
        ),
        (
            'Fn::ForEach::Bad: [Name, [Existing], {"${Name}": {Type: T}}]',
            "Resources.Existing: is also given by a Fn::ForEach loop above; keys must be unique",
        ),
        (
            'Fn::ForEach::Bad: [Name, [Existing], {"${Name}": {Type: T}}]\n          Fn::ForEach::Again: '
            '[Name, [Existing], {"${Name}": {Type: T}}]',
            "Resources.Fn::ForEach::Again: gives Existing, which is already above it; keys must be unique",
        ),
        (
            'Fn::ForEach::Outer: [Name, [A], {"Fn::ForEach::Inner": [Name, [B], {"${Name}": {Type: T}}]}]',
            "Resources.Fn::ForEach::Outer[2].Fn::ForEach::Inner[0]: the identifier Name is already the identifier of "
            "an enclosing loop",
        ),
    ],
)
def test_a_malformed_loop_is_one_line_naming_its_field(write_template: WriteTemplate, loop: str, message: str) -> None:
    template = write_template(
        HEADER
        + f"""
        Parameters:
          Stage: {{Type: String, Default: dev}}
        Resources:
          {loop}
          Existing: {{Type: AWS::SNS::Topic}}
        """
    )
    with pytest.raises(TemplateError) as error:
        load_functions(template, language_extensions=True)

    assert str(error.value) == f"template.yaml: {message}"


def test_loops_nest_at_most_five_deep(write_template: WriteTemplate) -> None:
    def nested(depth: int) -> str:
        body = '{"R' + "".join(f"${{I{level}}}" for level in range(depth)) + '": {Type: T}}'
        for level in reversed(range(depth)):
            body = f'{{"Fn::ForEach::L{level}": [I{level}, [a], {body}]}}'
        return body

    five = write_template(HEADER + f"        Resources: {nested(5)}\n")
    assert load_functions(five, language_extensions=True).functions == []

    six = write_template(HEADER + f"        Resources: {nested(6)}\n")
    with pytest.raises(TemplateError, match=r"Fn::ForEach::L5: Fn::ForEach loops nest 6 deep; CloudFormation allows"):
        load_functions(six, language_extensions=True)


def test_nested_stacks_expand_with_the_parameters_their_parent_passes(write_template: WriteTemplate) -> None:
    write_template(
        HEADER
        + """
        Parameters:
          Jobs: {Type: CommaDelimitedList, Default: "none"}
        Resources:
          Fn::ForEach::JobFunctions:
            - Job
            - !Ref Jobs
            - ${Job}Job:
                Type: AWS::Serverless::Function
                Properties: {Handler: jobs.handler, Runtime: python3.12, CodeUri: "jobs/${Job}"}
        """,
        name="child/template.yaml",
    )
    parent = write_template(
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Batch:
            Type: AWS::Serverless::Application
            Properties:
              Location: child/template.yaml
              Parameters: {Jobs: [Nightly, Weekly]}
        """
    )
    functions = functions_in(parent, language_extensions=True)

    assert list(functions) == ["Batch/NightlyJob", "Batch/WeeklyJob"]
    assert functions["Batch/WeeklyJob"].code_path == parent.parent / "child" / "jobs" / "Weekly"
    assert load_functions(parent, language_extensions=True).find("Batch/NightlyJob").logical_id == "NightlyJob"
    assert functions_in(parent, language_extensions=False) == {}
