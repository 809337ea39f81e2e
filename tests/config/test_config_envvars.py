"""The container environment: env-vars files, SAM's precedence, stringification, the AWS block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambda_dap.config.credentials import AwsContext
from lambda_dap.config.envvars import (
    FunctionSettings,
    lambda_environment,
    load_container_env_vars_file,
    load_env_vars_file,
    stringify,
)
from lambda_dap.errors import EnvVarsFileError

AWS = AwsContext("eu-west-1", "AKIAEXAMPLE", "secret", None, None)


def function(**overrides: Any) -> FunctionSettings:
    fields: dict[str, Any] = {
        "logical_id": "HelloFunction",
        "full_path": "HelloFunction",
        "handler": "app.handler",
        "memory_mb": 256,
        "environment": {"TABLE": "from-template", "STAGE": "dev"},
    }
    fields.update(overrides)
    return FunctionSettings(**fields)


def environment(fn: FunctionSettings | None = None, **kwargs: Any) -> dict[str, str]:
    kwargs.setdefault("env_file", None)
    kwargs.setdefault("host_env", {})
    kwargs.setdefault("aws", AWS)
    kwargs.setdefault("timeout_s", 10)
    return lambda_environment(fn or function(), **kwargs)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


# --- the AWS block -------------------------------------------------------------------------------------------


def test_aws_block_in_sams_order() -> None:
    env = environment(function(environment={}))
    assert list(env.items()) == [
        ("AWS_SAM_LOCAL", "true"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ("AWS_LAMBDA_FUNCTION_TIMEOUT", "10"),
        ("AWS_LAMBDA_FUNCTION_HANDLER", "app.handler"),
        ("AWS_LAMBDA_FUNCTION_NAME", "HelloFunction"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "aws/lambda/HelloFunction"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "$LATEST"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_ACCOUNT_ID", "123456789012"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
    ]


def test_timeout_is_the_one_given_not_the_templates() -> None:
    assert environment(timeout_s=36000)["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "36000"


def test_function_name_is_the_logical_id_even_with_a_function_name() -> None:
    env = environment(function(function_name="my-deployed-name"))
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "HelloFunction"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "aws/lambda/HelloFunction"


def test_session_token_only_when_not_empty() -> None:
    assert "AWS_SESSION_TOKEN" not in environment(aws=AwsContext("us-east-1", "k", "s", "", None))
    with_token = environment(aws=AwsContext("us-east-1", "k", "s", "tok", None))
    assert with_token["AWS_SESSION_TOKEN"] == "tok"


@pytest.mark.parametrize(
    ("logging_config", "expected"),
    [
        ({}, {"AWS_LAMBDA_LOG_GROUP_NAME": "aws/lambda/HelloFunction"}),
        ({"LogGroup": "/custom/group"}, {"AWS_LAMBDA_LOG_GROUP_NAME": "/custom/group"}),
        ({"LogFormat": "Text"}, {"AWS_LAMBDA_LOG_FORMAT": "Text"}),
        ({"LogFormat": "JSON"}, {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"}),
        (
            {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"},
            {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"},
        ),
    ],
)
def test_logging_config(logging_config: dict[str, str], expected: dict[str, str]) -> None:
    env = environment(function(logging_config=logging_config))
    assert {k: v for k, v in env.items() if k in expected} == expected
    if "AWS_LAMBDA_LOG_FORMAT" not in expected:
        assert "AWS_LAMBDA_LOG_FORMAT" not in env
    if "AWS_LAMBDA_LOG_LEVEL" not in expected:
        assert "AWS_LAMBDA_LOG_LEVEL" not in env


# --- precedence ----------------------------------------------------------------------------------------------

FN = function(function_name="hello-prod", full_path="Child/HelloFunction")


@pytest.mark.parametrize(
    ("host_env", "env_file", "expected_table"),
    [
        ({}, None, "from-template"),
        ({"TABLE": "from-shell"}, None, "from-shell"),
        ({"TABLE": "from-shell"}, {"Parameters": {"TABLE": "from-parameters"}}, "from-parameters"),
        (
            {"TABLE": "from-shell"},
            {"Parameters": {"TABLE": "from-parameters"}, "HelloFunction": {"TABLE": "from-logical-id"}},
            "from-logical-id",
        ),
        ({}, {"hello-prod": {"TABLE": "from-function-name"}}, "from-function-name"),
        ({}, {"Child/HelloFunction": {"TABLE": "from-full-path"}}, "from-full-path"),
        (
            {},
            {"HelloFunction": {"TABLE": "from-logical-id"}, "hello-prod": {"TABLE": "from-function-name"}},
            "from-logical-id",
        ),
        (
            {},
            {"hello-prod": {"TABLE": "from-function-name"}, "Child/HelloFunction": {"TABLE": "from-full-path"}},
            "from-function-name",
        ),
        ({}, {"OtherFunction": {"TABLE": "not-mine"}}, "from-template"),
    ],
)
def test_precedence(host_env: dict[str, str], env_file: dict[str, Any] | None, expected_table: str) -> None:
    env = environment(FN, host_env=host_env, env_file=env_file)
    assert env["TABLE"] == expected_table
    assert env["STAGE"] == "dev"


def test_only_the_first_function_block_applies() -> None:
    env_file = {
        "HelloFunction": {"TABLE": "logical"},
        "hello-prod": {"STAGE": "from-function-name-block"},
    }
    assert environment(FN, env_file=env_file)["STAGE"] == "dev"


def test_host_env_does_not_leak_undeclared_names() -> None:
    env = environment(host_env={"HOME": "/root", "PATH": "/bin"})
    assert "HOME" not in env
    assert "PATH" not in env


def test_undeclared_names_from_the_file_are_applied() -> None:
    """Better than SAM (aws/aws-sam-cli#1553): SAM drops names the template does not declare."""
    env_file = {"Parameters": {"GLOBAL_EXTRA": "g"}, "HelloFunction": {"MINE": "m"}, "Other": {"THEIRS": "t"}}
    env = environment(env_file=env_file)
    assert env["GLOBAL_EXTRA"] == "g"
    assert env["MINE"] == "m"
    assert "THEIRS" not in env


def test_template_variable_can_override_the_aws_block() -> None:
    env = environment(function(environment={"AWS_REGION": "ap-south-1"}))
    assert env["AWS_REGION"] == "ap-south-1"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_extra_is_merged_last() -> None:
    env = environment(
        env_file={"HelloFunction": {"TABLE": "file"}},
        extra={"TABLE": "extra", "AWS_ACCESS_KEY_ID": "other", "NODE_OPTIONS": "--inspect"},
    )
    assert env["TABLE"] == "extra"
    assert env["AWS_ACCESS_KEY_ID"] == "other"
    assert env["NODE_OPTIONS"] == "--inspect"


# --- stringification -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", "text"),
        (True, "true"),
        (False, "false"),
        (None, ""),
        ({"Fn::GetAtt": ["Table", "Arn"]}, ""),
        (["a", "b"], ""),
        (3, "3"),
        (1.5, "1.5"),
        (0, "0"),
    ],
)
def test_stringify(value: Any, expected: str) -> None:
    assert stringify(value) == expected
    env = environment(function(environment={"V": "template"}), env_file={"Parameters": {"V": value}})
    assert env["V"] == expected


def test_template_values_are_stringified() -> None:
    env = environment(function(environment={"FLAG": True, "N": 5, "UNRESOLVED": {"Ref": "X"}, "NONE": None}))
    assert (env["FLAG"], env["N"], env["UNRESOLVED"], env["NONE"]) == ("true", "5", "", "")


# --- load_env_vars_file --------------------------------------------------------------------------------------


def test_json_shapes(tmp_path: Path) -> None:
    data = {"Parameters": {"A": "1"}, "HelloFunction": {"B": 2, "C": None}}
    assert load_env_vars_file(write_json(tmp_path / "env.json", data)) == data


def test_json_without_json_suffix(tmp_path: Path) -> None:
    path = tmp_path / "vars"
    path.write_text('  {"Parameters": {"A": "1"}}')
    assert load_env_vars_file(path) == {"Parameters": {"A": "1"}}


def test_json_value_that_is_not_an_object(tmp_path: Path) -> None:
    path = write_json(tmp_path / "env.json", {"Parameters": {"A": "1"}, "TABLE": "x"})
    with pytest.raises(EnvVarsFileError) as raised:
        load_env_vars_file(path)
    assert str(raised.value) == (
        f"--env-vars file {path}: the value of 'TABLE' must be an object of variable names to values "
        '(e.g. {"TABLE": {"NAME": "value"}}), not a string'
    )


def test_json_top_level_not_an_object(tmp_path: Path) -> None:
    path = write_json(tmp_path / "env.json", [1, 2])
    with pytest.raises(EnvVarsFileError) as raised:
        load_env_vars_file(path)
    assert str(raised.value) == (
        f'--env-vars file {path} must hold a JSON object like {{"Parameters": {{"NAME": "value"}}}}'
    )


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "env.json"
    path.write_text('{\n  "Parameters": {\n    "A": 1,\n  }\n}\n')
    with pytest.raises(EnvVarsFileError) as raised:
        load_env_vars_file(path)
    assert str(raised.value) == (
        f"--env-vars file {path}:4:3: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EnvVarsFileError) as raised:
        load_env_vars_file(tmp_path / "nope.json", option="--env-vars")
    assert str(raised.value) == f"--env-vars file {tmp_path / 'nope.json'} does not exist"


def test_dotenv_file_is_wrapped_as_parameters(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('# comment\nA=1\nexport B="two words"\nC=\nD\n')
    assert load_env_vars_file(path) == {"Parameters": {"A": "1", "B": "two words", "C": "", "D": ""}}


def test_dotenv_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "vars.env"
    path.write_text("A=1\nB='unterminated\n")
    with pytest.raises(EnvVarsFileError) as raised:
        load_env_vars_file(path)
    assert str(raised.value) == f'--env-vars file {path}:2: expected NAME=value, got "B=\'unterminated"'


def test_dotenv_file_applies_to_every_function(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("TABLE=from-dotenv\nNEW=1\n")
    env = environment(env_file=load_env_vars_file(path))
    assert (env["TABLE"], env["NEW"]) == ("from-dotenv", "1")


# --- load_container_env_vars_file ----------------------------------------------------------------------------


def test_container_env_vars_flat(tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", {"NODE_OPTIONS": "--inspect", "N": 1, "F": False, "Z": None})
    assert load_container_env_vars_file(path) == {"NODE_OPTIONS": "--inspect", "N": "1", "F": "false", "Z": ""}


def test_container_env_vars_parameters_wrapper_is_unwrapped(tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", {"Parameters": {"A": "1"}})
    assert load_container_env_vars_file(path) == {"A": "1"}


def test_container_env_vars_dotenv(tmp_path: Path) -> None:
    path = tmp_path / "c.env"
    path.write_text("A=1\nB=2\n")
    assert load_container_env_vars_file(path) == {"A": "1", "B": "2"}


def test_container_env_vars_nested_value(tmp_path: Path) -> None:
    path = write_json(tmp_path / "c.json", {"Func": {"A": "1"}})
    with pytest.raises(EnvVarsFileError) as raised:
        load_container_env_vars_file(path)
    assert str(raised.value) == (
        f"--container-env-vars file {path}: the value of 'Func' must be a string, number or boolean, not an object"
    )
