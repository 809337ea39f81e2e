"""Launch configurations to engine options: both shapes, every field, every kind of mistake, real launch.json files."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import click
import pytest

from lambda_dap.dap.launch import LaunchConfig, launch_configuration_errors, parse_launch_arguments
from lambda_dap.errors import LaunchConfigError

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.12
      Environment:
        Variables:
          TABLE: items
      Events:
        Item:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: get
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace folder as users have it: a template, an event file, an env-vars file, the code."""
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "event.json").write_text('{"source": "file"}')
    (tmp_path / "env.json").write_text('{"HelloWorldFunction": {"TABLE": "other"}}')
    (tmp_path / "hello_world").mkdir()
    return tmp_path


def parse(ws: Path, arguments: dict[str, Any], command: str = "launch") -> LaunchConfig:
    return parse_launch_arguments(arguments, command=command, cwd=ws)


def error(ws: Path, arguments: dict[str, Any], command: str = "launch") -> str:
    with pytest.raises(LaunchConfigError) as caught:
        parse(ws, arguments, command)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.code == LaunchConfigError.code
    return message


def toolkit(target: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"type": "aws-sam", "request": "direct-invoke", "name": "toolkit", "invokeTarget": target, **sections}


def template_target(logical_id: str = "HelloWorldFunction") -> dict[str, Any]:
    return {"target": "template", "templatePath": "template.yaml", "logicalId": logical_id}


# --- the flat `type: "lambda"` shape ------------------------------------------------------------------------------

# (field, value, option, expected value: a callable of the workspace when it holds a path)
FLAT_FIELDS = [
    ("template", "template.yaml", "template_file", lambda ws: str(ws / "template.yaml")),
    ("function", "HelloWorldFunction", "function_identifier", "HelloWorldFunction"),
    ("envVars", "env.json", "env_vars", lambda ws: str(ws / "env.json")),
    (
        "envVars",
        {"Parameters": {"A": 1, "B": True}, "Fn": {"C": "x"}},
        "env_vars",
        {"Parameters": {"A": "1", "B": "true"}, "Fn": {"C": "x"}},
    ),
    ("parameterOverrides", "Stage=dev Size=2", "parameter_overrides", "Stage=dev Size=2"),
    (
        "parameterOverrides",
        {"Stage": "dev", "Size": 2, "On": False, "Subnets": ["a", "b"]},
        "parameter_overrides",
        {"Stage": "dev", "Size": "2", "On": "false", "Subnets": "a,b"},
    ),
    ("invokeImage", "img:1", "invoke_image", ("img:1",)),
    ("invokeImage", ["img:1", "Fn=img:2"], "invoke_image", ("img:1", "Fn=img:2")),
    ("skipPullImage", True, "skip_pull_image", True),
    ("dockerNetwork", "lambda-net", "docker_network", "lambda-net"),
    ("containerEnvVars", "cenv.json", "container_env_vars", lambda ws: str(ws / "cenv.json")),
    ("containerEnvVars", {"NODE_OPTIONS": "--x", "N": 3}, "container_env_vars", {"NODE_OPTIONS": "--x", "N": "3"}),
    ("debugPort", 5858, "debug_port", (5858,)),
    ("debugPort", [5858, 5859], "debug_port", (5858, 5859)),
    ("debuggerPath", "~/dbg", "debugger_path", lambda ws: str(Path.home() / "dbg")),
    ("debugArgs", "-X frozen_modules=off", "debug_args", "-X frozen_modules=off"),
    ("debugArgs", ["--log-to", "/tmp/a b"], "debug_args", shlex.join(["--log-to", "/tmp/a b"])),
    ("profile", "dev", "profile", "dev"),
    ("region", "eu-west-1", "region", "eu-west-1"),
    ("runtime", "python3.13", "runtime", "python3.13"),
    ("dockerVolumeBasedir", "/remote/app", "docker_volume_basedir", "/remote/app"),
    ("layerCacheBasedir", "cache", "layer_cache_basedir", lambda ws: str(ws / "cache")),
    ("forceImageBuild", True, "force_image_build", True),
    ("configFile", "conf/samconfig.toml", "config_file", lambda ws: str(ws / "conf" / "samconfig.toml")),
    ("configEnv", "dev", "config_env", "dev"),
    ("addHost", "db:10.0.0.2", "add_host", ("db:10.0.0.2",)),
    ("addHost", ["db:10.0.0.2", "cache:10.0.0.3"], "add_host", ("db:10.0.0.2", "cache:10.0.0.3")),
    ("containerDns", "1.1.1.1", "container_dns", ("1.1.1.1",)),
    ("containerDns", ["1.1.1.1", "8.8.8.8"], "container_dns", ("1.1.1.1", "8.8.8.8")),
    ("containerHostInterface", "127.0.0.2", "container_host_interface", "127.0.0.2"),
    ("noMemoryLimit", True, "no_memory_limit", True),
    ("logFile", "logs/run.log", "log_file", lambda ws: str(ws / "logs" / "run.log")),
    ("shutdown", True, "shutdown", True),
    ("tenantId", "acme corp", "tenant_id", "acme corp"),
    ("durableExecutionName", "order-1", "durable_execution_name", "order-1"),
    ("mountSymlinks", True, "mount_symlinks", True),
    ("mountSymlinks", False, "mount_symlinks", False),
    ("languageExtensions", False, "language_extensions", False),
    ("containerHost", "host.docker.internal", "container_host", "host.docker.internal"),
]


@pytest.mark.parametrize(("name", "value", "option", "expected"), FLAT_FIELDS)
def test_each_flat_field_maps_to_its_invoke_option(ws: Path, name: str, value: Any, option: str, expected: Any) -> None:
    config = parse(ws, {"type": "lambda", "request": "launch", name: value})
    assert config.kind == "launch"
    assert config.shape == "lambda"
    assert config.options == {"debug_relay": False, option: expected(ws) if callable(expected) else expected}
    assert config.warnings == []


def test_flat_fields_together(ws: Path) -> None:
    config = parse(
        ws,
        {
            "type": "lambda",
            "request": "launch",
            "name": "Debug hello",
            "template": "template.yaml",
            "function": "HelloWorldFunction",
            "event": {"key": "value"},
            "debugPort": 5858,
            "keepAlive": True,
            "pathMappings": [{"localRoot": "${workspaceFolder}/hello_world", "remoteRoot": "/var/task"}],
            "justMyCode": False,
        },
    )
    assert config.name == "Debug hello"
    assert config.keep_alive is True
    assert config.no_debug is False
    assert config.event == json.dumps({"key": "value"}).encode()
    assert config.options["event_data"] == config.event
    assert config.options["template_file"] == str(ws / "template.yaml")
    assert config.path_mappings == [{"localRoot": str(ws / "hello_world"), "remoteRoot": "/var/task"}]
    assert config.debugger_arguments == {"justMyCode": False}
    assert config.cwd == ws


def test_no_event_given_means_none(ws: Path) -> None:
    config = parse(ws, {"function": "HelloWorldFunction"})
    assert config.event is None
    assert "event" not in config.options
    assert "event_data" not in config.options


@pytest.mark.parametrize("value", [{"a": [1, 2]}, [1, 2], "text", 42, None, True])
def test_an_inline_event_is_any_json_value(ws: Path, value: Any) -> None:
    config = parse(ws, {"event": value})
    assert json.loads(config.event) == value
    assert config.options["event_data"] == config.event


def test_an_event_file_is_read_and_passed_as_a_path(ws: Path) -> None:
    config = parse(ws, {"eventFile": "events/event.json"})
    assert config.options["event"] == str(ws / "events" / "event.json")
    assert config.event == b'{"source": "file"}'
    assert "event_data" not in config.options


def test_a_string_event_naming_a_file_gets_a_warning(ws: Path) -> None:
    config = parse(ws, {"event": "events/event.json"})
    assert config.event == b'"events/event.json"'
    assert any("eventFile" in warning for warning in config.warnings)


def test_template_less_target(ws: Path) -> None:
    config = parse(
        ws,
        {
            "handler": "app.lambda_handler",
            "codeDir": "hello_world",
            "runtime": "python3.12",
            "memory": 512,
            "timeout": 30,
            "environment": {"DEBUG": True, "N": 1, "S": "x"},
            "architecture": "arm64",
        },
    )
    assert config.options == {
        "debug_relay": False,
        "handler": "app.lambda_handler",
        "code_dir": str(ws / "hello_world"),
        "runtime": "python3.12",
        "memory_mb": 512,
        "timeout_s": 30,
        "environment": {"DEBUG": "true", "N": "1", "S": "x"},
        "architecture": "arm64",
    }


def test_template_less_target_code_dir_defaults_to_the_workspace(ws: Path) -> None:
    config = parse(ws, {"handler": "app.handler", "runtime": "nodejs20.x"})
    assert config.options["code_dir"] == str(ws)


def test_no_debug_runs_without_the_debugger(ws: Path) -> None:
    config = parse(ws, {"function": "HelloWorldFunction", "noDebug": True, "debugPort": 5858, "debugArgs": "-v"})
    assert config.no_debug is True
    assert "debug_port" not in config.options
    assert "debug_args" not in config.options
    assert any("noDebug" in warning for warning in config.warnings)


def test_debugger_arguments_pass_through(ws: Path) -> None:
    config = parse(
        ws,
        {
            "justMyCode": True,
            "showReturnValue": False,
            "debuggerArguments": {"subProcess": False, "rules": [{"module": "boto3", "include": False}]},
        },
    )
    assert config.debugger_arguments == {
        "subProcess": False,
        "rules": [{"module": "boto3", "include": False}],
        "justMyCode": True,
        "showReturnValue": False,
    }


def test_fields_editors_add_are_tolerated_and_unknown_ones_warned(ws: Path) -> None:
    config = parse(
        ws,
        {
            "type": "lambda",
            "request": "launch",
            "name": "n",
            "__sessionId": "abc",
            "__configurationTarget": 6,
            "preLaunchTask": "build",
            "cwd": str(ws),
            "evnVars": "env.json",
        },
    )
    assert config.warnings == ["evnVars is not a lambda-dap launch field; ignored"]


# --- commands and the workspace folder ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["launch", "direct-invoke"])
def test_launch_and_direct_invoke_are_launches(ws: Path, command: str) -> None:
    assert parse(ws, {"function": "HelloWorldFunction"}, command).kind == "launch"
    assert parse(ws, toolkit(template_target()), command).kind == "launch"


def test_the_command_wins_over_the_request_field(ws: Path) -> None:
    """nvim-dap sends `request` verbatim as the command; Helix sends no request field at all."""
    assert parse(ws, {"request": "attach", "function": "HelloWorldFunction"}, "launch").kind == "launch"
    assert parse(ws, {"port": 5858}, "attach").kind == "attach"


def test_an_unknown_command_is_refused(ws: Path) -> None:
    assert error(ws, {}, "debug") == "request: expected one of launch, attach, direct-invoke, got 'debug'"


def test_arguments_must_be_an_object(ws: Path) -> None:
    assert error(ws, ["template.yaml"]) == "arguments: expected an object, got a list"  # type: ignore[arg-type]


def test_attach(ws: Path) -> None:
    config = parse(
        ws,
        {
            "type": "lambda",
            "request": "attach",
            "port": 5890,
            "template": "template.yaml",
            "function": "HelloWorldFunction",
            "justMyCode": False,
            "pathMappings": [{"localRoot": "layer", "remoteRoot": "/opt/python"}],
        },
        "attach",
    )
    assert config.kind == "attach"
    assert (config.attach_host, config.attach_port) == ("127.0.0.1", 5890)
    assert config.options == {
        "debug_relay": False,
        "template_file": str(ws / "template.yaml"),
        "function_identifier": "HelloWorldFunction",
    }
    assert config.path_mappings == [{"localRoot": str(ws / "layer"), "remoteRoot": "/opt/python"}]
    assert config.debugger_arguments == {"justMyCode": False}
    assert parse(ws, {"port": 5890, "host": "localhost"}, "attach").attach_host == "localhost"


def test_paths_are_relative_to_the_cwd_argument(ws: Path) -> None:
    config = parse(ws, {"template": "sub/../template.yaml", "eventFile": "./events/event.json"})
    assert config.options["template_file"] == str(ws / "template.yaml")
    assert config.options["event"] == str(ws / "events" / "event.json")


def test_the_configuration_cwd_wins(ws: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = parse_launch_arguments({"cwd": str(ws), "template": "template.yaml"}, command="launch", cwd=elsewhere)
    assert config.cwd == ws
    assert config.options["template_file"] == str(ws / "template.yaml")
    nested = parse_launch_arguments({"cwd": ws.name, "template": "template.yaml"}, command="launch", cwd=ws.parent)
    assert nested.cwd == ws


@pytest.mark.parametrize("variable", ["${workspaceFolder}", "${workspaceRoot}"])
def test_workspace_variables_are_substituted(ws: Path, variable: str) -> None:
    config = parse(
        ws,
        toolkit(
            {"target": "code", "lambdaHandler": "app.h", "projectRoot": f"{variable}/hello_world"},
            **{"lambda": {"runtime": "python3.12"}},
        ),
    )
    assert config.options["code_dir"] == str(ws / "hello_world")


def test_a_variable_the_editor_left_is_an_error(ws: Path) -> None:
    message = error(ws, {"template": "${fileDirname}/template.yaml"})
    assert message.startswith("template: '${fileDirname}/template.yaml' holds the variable ${fileDirname}")


# --- the AWS Toolkit `aws-sam` shape ------------------------------------------------------------------------------


def test_template_target(ws: Path) -> None:
    config = parse(ws, toolkit(template_target()))
    assert config.shape == "aws-sam"
    assert config.options == {
        "debug_relay": False,
        "template_file": str(ws / "template.yaml"),
        "function_identifier": "HelloWorldFunction",
    }


def test_type_aws_sam_without_invoke_target_is_the_toolkit_shape(ws: Path) -> None:
    assert error(ws, {"type": "aws-sam", "lambda": {}}).startswith("invokeTarget: missing")


def test_code_target(ws: Path) -> None:
    config = parse(
        ws,
        toolkit(
            {
                "target": "code",
                "lambdaHandler": "app.lambda_handler",
                "projectRoot": "hello_world",
                "architecture": "arm64",
            },
            **{
                "lambda": {
                    "runtime": "python3.12",
                    "memoryMb": 256,
                    "timeoutSec": 9,
                    "environmentVariables": {"TABLE": "t", "N": 2},
                }
            },
        ),
    )
    assert config.options == {
        "debug_relay": False,
        "handler": "app.lambda_handler",
        "code_dir": str(ws / "hello_world"),
        "architecture": "arm64",
        "runtime": "python3.12",
        "environment": {"TABLE": "t", "N": "2"},
        "memory_mb": 256,
        "timeout_s": 9,
    }
    assert config.warnings == []


# (section, value, option, expected); each on a template target
TOOLKIT_FIELDS = [
    ("lambda", {"runtime": "python3.11"}, "runtime", "python3.11"),
    ("lambda", {"payload": {"json": {"k": [1]}}}, "event_data", json.dumps({"k": [1]}).encode()),
    ("lambda", {"payload": {"path": "events/event.json"}}, "event", lambda ws: str(ws / "events" / "event.json")),
    (
        "lambda",
        {"environmentVariables": {"TABLE": "other", "DEBUG": True}},
        "env_vars",
        {"HelloWorldFunction": {"TABLE": "other", "DEBUG": "true"}},
    ),
    ("sam", {"dockerNetwork": "net"}, "docker_network", "net"),
    ("sam", {"skipNewImageCheck": True}, "skip_pull_image", True),
    (
        "sam",
        {"template": {"parameters": {"Stage": "dev", "Size": 3}}},
        "parameter_overrides",
        {"Stage": "dev", "Size": "3"},
    ),
    ("aws", {"credentials": "profile:dev-account"}, "profile", "dev-account"),
    ("aws", {"region": "ap-south-1"}, "region", "ap-south-1"),
]


@pytest.mark.parametrize(("section", "value", "option", "expected"), TOOLKIT_FIELDS)
def test_each_toolkit_field_maps_to_its_invoke_option(
    ws: Path, section: str, value: Any, option: str, expected: Any
) -> None:
    config = parse(ws, toolkit(template_target(), **{section: value}))
    base = {
        "debug_relay": False,
        "template_file": str(ws / "template.yaml"),
        "function_identifier": "HelloWorldFunction",
    }
    assert config.options == {**base, option: expected(ws) if callable(expected) else expected}
    assert config.warnings == []


def test_toolkit_payload_sets_the_event(ws: Path) -> None:
    assert parse(ws, toolkit(template_target(), **{"lambda": {"payload": {"json": {"a": 1}}}})).event == b'{"a": 1}'
    from_file = parse(ws, toolkit(template_target(), **{"lambda": {"payload": {"path": "events/event.json"}}}))
    assert from_file.event == b'{"source": "file"}'


def test_toolkit_path_mappings(ws: Path) -> None:
    config = parse(
        ws,
        toolkit(
            template_target(),
            **{
                "lambda": {
                    "pathMappings": [
                        {"localRoot": "${workspaceFolder}/hello_world", "remoteRoot": "/var/task"},
                        {"localRoot": "/abs/layer", "remoteRoot": "/opt/python"},
                    ]
                }
            },
        ),
    )
    assert config.path_mappings == [
        {"localRoot": str(ws / "hello_world"), "remoteRoot": "/var/task"},
        {"localRoot": "/abs/layer", "remoteRoot": "/opt/python"},
    ]


def test_toolkit_session_fields(ws: Path) -> None:
    config = parse(ws, toolkit(template_target(), keepAlive=True, noDebug=True, justMyCode=False))
    assert (config.keep_alive, config.no_debug, config.debugger_arguments) == (True, True, {"justMyCode": False})


@pytest.mark.parametrize(
    ("sam", "word"),
    [
        ({"buildArguments": ["--cached", "--parallel"]}, "buildArguments"),
        ({"containerBuild": True}, "containerBuild"),
        ({"buildDir": ".build"}, "buildDir"),
    ],
)
def test_build_settings_are_accepted_and_ignored_with_the_reason(ws: Path, sam: dict[str, Any], word: str) -> None:
    config = parse(ws, toolkit(template_target(), sam=sam))
    assert "template_file" in config.options
    assert len(config.warnings) == 1
    assert word in config.warnings[0]
    assert "runs no `sam build`" in config.warnings[0]


def test_memory_and_timeout_of_a_template_target_are_ignored_with_a_warning(ws: Path) -> None:
    config = parse(ws, toolkit(template_target(), **{"lambda": {"memoryMb": 1024, "timeoutSec": 60, "tenantId": "t"}}))
    assert "memory_mb" not in config.options
    assert "timeout_s" not in config.options
    assert config.options["tenant_id"] == "t"  # the Toolkit's tenant goes to --tenant-id
    assert config.warnings == [
        "lambda.memoryMb is ignored for a 'template' target: the template's MemorySize applies",
        "lambda.timeoutSec is ignored for a 'template' target: the template's Timeout applies",
    ]


# --- sam.localArguments: `lambda-dap invoke`'s own options ---------------------------------------------------------


def _invoke_options() -> list[tuple[str, click.Option]]:
    import lambda_dap.cli.main  # noqa: F401
    from lambda_dap.cli.invoke import invoke_command

    return [
        (flag, param)
        for param in invoke_command.params
        if isinstance(param, click.Option) and param.name != "events"  # refused: see the test below
        for flag in (*param.opts, *param.secondary_opts)
    ]


def _sample(param: click.Option, ws: Path) -> tuple[list[str], Any]:
    """Arguments giving `param` a value, and the value the launch options must then hold."""
    if param.is_flag:
        return [], True
    if param.name == "event":
        return ["events/event.json"], str(ws / "events" / "event.json")
    if isinstance(param.type, click.types.IntParamType):
        return ["5858"], (5858,) if param.multiple else 5858
    value = "db:10.0.0.1" if param.name == "add_host" else "value"
    if param.name in {
        "template_file",
        "env_vars",
        "container_env_vars",
        "debugger_path",
        "docker_volume_basedir",
        "layer_cache_basedir",
        "config_file",
        "log_file",
    }:
        return [value], str(ws / value)
    return [value], (value,) if param.multiple else value


@pytest.mark.parametrize(("flag", "param"), _invoke_options(), ids=[flag for flag, _ in _invoke_options()])
def test_every_invoke_option_and_short_form_works_in_local_arguments(ws: Path, flag: str, param: click.Option) -> None:
    values, expected = _sample(param, ws)
    if flag in param.secondary_opts:  # --no-x
        expected = False
    config = parse(ws, toolkit(template_target(), sam={"localArguments": [flag, *values]}))
    assert config.options[param.name] == expected


def test_a_script_of_events_is_refused_in_local_arguments(ws: Path) -> None:
    with pytest.raises(LaunchConfigError, match=r"^sam.localArguments: --events \(a script of events\) is for"):
        parse(ws, toolkit(template_target(), sam={"localArguments": ["--events", "cases.jsonl"]}))


def test_local_arguments_win_over_the_structured_fields(ws: Path) -> None:
    config = parse(
        ws,
        toolkit(
            template_target(),
            sam={"dockerNetwork": "a", "localArguments": ["--docker-network", "b", "-e", "events/event.json"]},
            **{"lambda": {"payload": {"json": {"inline": True}}}},
        ),
    )
    assert config.options["docker_network"] == "b"
    assert config.options["event"] == str(ws / "events" / "event.json")
    assert "event_data" not in config.options
    assert config.event == b'{"source": "file"}'


def test_local_arguments_take_several_parameter_overrides_tokens(ws: Path) -> None:
    config = parse(
        ws,
        toolkit(
            template_target(),
            sam={"localArguments": ["--parameter-overrides", "Stage=dev", "Size=2", "-d", "5858", "-d", "5859"]},
        ),
    )
    assert shlex.split(config.options["parameter_overrides"]) == ["Stage=dev", "Size=2"]
    assert config.options["debug_port"] == (5858, 5859)


def test_local_arguments_ignore_the_adapters_environment(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAM_DEBUG_PORT", "7777")
    monkeypatch.setenv("SAM_TEMPLATE_FILE", "/elsewhere/template.yaml")
    config = parse(ws, toolkit(template_target(), sam={"localArguments": ["--skip-pull-image"]}))
    assert "debug_port" not in config.options
    assert config.options["template_file"] == str(ws / "template.yaml")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--bogus"], "sam.localArguments: No such option '--bogus'."),
        (["-d", "x"], "sam.localArguments: Invalid value for '-d' / '--debug-port': 'x' is not a valid integer."),
        (["--env-vars"], "sam.localArguments: Option '--env-vars' requires an argument."),
        (["--skip-pull-image=yes"], "sam.localArguments: Option '--skip-pull-image' does not take a value."),
        (["--help"], "sam.localArguments: No such option '--help'."),
        (
            ["OtherFunction"],
            "sam.localArguments: unexpected argument 'OtherFunction' (the function comes from invokeTarget)",
        ),
        (["--event", "-"], "sam.localArguments --event: '-' (stdin) is not available in a debug session; give a file"),
    ],
)
def test_bad_local_arguments(ws: Path, args: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert error(ws, toolkit(template_target(), sam={"localArguments": args})) == expected
    assert capsys.readouterr().out == ""  # stdout is the DAP stream under --stdio


# --- invalid configurations: one line naming the field -------------------------------------------------------------

INVALID = [
    # flat shape
    ({"template": 3}, "template: expected a string, got a number 3"),
    ({"template": ""}, "template: must not be empty"),
    ({"event": {}, "eventFile": "e.json"}, "event and eventFile: give either event (the event itself) or eventFile"),
    ({"eventFile": "-"}, "eventFile: '-' (stdin) is not available in a debug session"),
    ({"eventFile": "missing.json"}, "eventFile: cannot read {ws}/missing.json: No such file or directory"),
    ({"eventFile": "template.yaml"}, "eventFile: {ws}/template.yaml is not valid JSON"),
    ({"debugPort": 0}, "debugPort: expected a whole number from 1 to 65535, got 0"),
    ({"debugPort": [5858, 70000]}, "debugPort[1]: expected a whole number from 1 to 65535, got 70000"),
    ({"debugPort": "5858"}, 'debugPort: expected an integer or a list, got a string "5858"'),
    ({"debugPort": []}, "debugPort: must not be an empty list"),
    ({"skipPullImage": "yes"}, 'skipPullImage: expected true or false, got a string "yes"'),
    ({"envVars": {"Fn": "A=1"}}, 'envVars.Fn: expected an object, got a string "A=1"'),
    ({"envVars": {"Fn": {"A": [1]}}}, "envVars.Fn.A: expected a string or a number or true or false, got a list"),
    ({"addHost": ["db"]}, 'addHost[0]: expected HOST:IP, got "db"'),
    ({"handler": "app.h"}, "runtime: missing; a handler without a template needs runtime"),
    ({"handler": "app.h", "runtime": "python3.12", "template": "t.yaml"}, "template: cannot be combined with handler"),
    ({"memory": 256}, "memory: needs handler"),
    ({"handler": "a.h", "runtime": "python3.12", "memory": 64}, "memory: expected a whole number from 128 to 10240"),
    ({"pathMappings": [{"localRoot": "."}]}, "pathMappings[0].remoteRoot: missing"),
    (
        {"pathMappings": [{"localRoot": ".", "remoteRoot": "/var/task", "x": 1}]},
        "pathMappings[0].x: unknown field; expected one of: localRoot, remoteRoot",
    ),
    ({"keepAlive": "true"}, 'keepAlive: expected true or false, got a string "true"'),
    ({"lambda": {"runtime": "python3.12"}}, "lambda: is a field of the AWS Toolkit aws-sam shape, which needs"),
    ({"cwd": ""}, "cwd: must not be empty"),
    # the aws-sam shape
    (toolkit({"target": "tmpl"}), 'invokeTarget.target: expected one of "template", "code", "api", got "tmpl"'),
    (toolkit({"templatePath": "t.yaml"}), "invokeTarget.target: missing"),
    (toolkit({"target": "template", "templatePath": "template.yaml"}), "invokeTarget.logicalId: missing; logical ID"),
    (toolkit({"target": "template", "logicalId": "Fn"}), "invokeTarget.templatePath: missing"),
    (
        toolkit({**template_target(), "lambdaHandler": "a.h"}),
        "invokeTarget.lambdaHandler: unknown field; expected one of: logicalId, target, templatePath",
    ),
    (
        toolkit({"target": "code", "lambdaHandler": "a.h", "projectRoot": "."}),
        'lambda: missing; a "code" target needs lambda.runtime',
    ),
    (
        toolkit({"target": "code", "lambdaHandler": "a.h", "projectRoot": "."}, **{"lambda": {"memoryMb": 256}}),
        'lambda.runtime: missing; a "code" target needs the runtime',
    ),
    (
        toolkit({"target": "code", "projectRoot": "."}, **{"lambda": {"runtime": "python3.12"}}),
        "invokeTarget.lambdaHandler: missing",
    ),
    (
        toolkit(
            {"target": "code", "lambdaHandler": "a.h", "projectRoot": ".", "architecture": "arm"},
            **{"lambda": {"runtime": "python3.12"}},
        ),
        'invokeTarget.architecture: expected one of "x86_64", "arm64", got "arm"',
    ),
    (
        toolkit(template_target(), **{"lambda": {"payload": {"json": {}, "path": "e.json"}}}),
        "lambda.payload.json and lambda.payload.path: give either json or path, not both",
    ),
    (
        toolkit(template_target(), **{"lambda": {"payload": {"path": "nope.json"}}}),
        "lambda.payload.path: cannot read {ws}/nope.json",
    ),
    (
        toolkit(template_target(), **{"lambda": {"environmentVariables": "A=1"}}),
        'lambda.environmentVariables: expected an object, got a string "A=1"',
    ),
    (
        toolkit(template_target(), **{"lambda": {"memoryMb": "512"}}),
        'lambda.memoryMb: expected an integer, got a string "512"',
    ),
    (
        toolkit(template_target(), **{"lambda": {"envVars": {}}}),
        "lambda.envVars: unknown field; expected one of: environmentVariables, memoryMb, pathMappings, payload, "
        "runtime, tenantId, timeoutSec",
    ),
    (
        toolkit(template_target(), **{"lambda": {"pathMappings": {"localRoot": "."}}}),
        "lambda.pathMappings: expected a list, got an object",
    ),
    (
        toolkit(template_target(), sam={"localArguments": "--skip-pull-image"}),
        'sam.localArguments: expected a list, got a string "--skip-pull-image"',
    ),
    (
        toolkit(template_target(), sam={"template": {"parameters": {"A": {"b": 1}}}}),
        "sam.template.parameters.A: expected a string or a number or true or false, got an object",
    ),
    (
        toolkit(template_target(), aws={"credentials": "sso:my-session"}),
        'aws.credentials: expected "profile:NAME" (a profile of ~/.aws/config or ~/.aws/credentials); other AWS '
        'Toolkit credential kinds are not available outside the Toolkit, got "sso:my-session"',
    ),
    (toolkit(template_target(), aws={"credentials": "profile:"}), 'aws.credentials: expected "profile:NAME"'),
    (toolkit(template_target(), aws={"profile": "dev"}), "aws.profile: unknown field; expected one of: credentials"),
    (
        toolkit(template_target(), template="template.yaml"),
        'template: is a field of type "lambda" configurations; an aws-sam configuration (one with invokeTarget)',
    ),
    (toolkit({**template_target(), "target": "api"}), "api: missing"),
    (
        toolkit({**template_target(), "target": "api"}, api={"path": "items", "httpMethod": "get"}),
        'api.path: expected a path starting with /, got "items"',
    ),
    (
        toolkit({**template_target(), "target": "api"}, api={"path": "/items", "httpMethod": "fetch"}),
        'api.httpMethod: expected one of "delete", "get", "head", "options", "patch", "post", "put", got "fetch"',
    ),
    (toolkit({**template_target(), "target": "api"}, api={"path": "/items"}), "api.httpMethod: missing"),
    (
        toolkit({**template_target(), "target": "api"}, api={"path": "/i", "httpMethod": "get", "headers": {"X": 1}}),
        "api.headers.X: expected a string, got a number 1",
    ),
    (
        toolkit(
            {**template_target(), "target": "api"},
            api={"path": "/i", "httpMethod": "post", "payload": {"path": "nope.json"}},
        ),
        "api.payload.path: cannot read {ws}/nope.json",
    ),
]


@pytest.mark.parametrize(("arguments", "expected"), INVALID, ids=[expected[:60] for _, expected in INVALID])
def test_an_invalid_configuration_names_the_field(ws: Path, arguments: dict[str, Any], expected: str) -> None:
    assert error(ws, arguments).startswith(expected.format(ws=ws))


ATTACH_INVALID = [
    ({}, "port: missing; the debug port the function was started with"),
    ({"port": "5858"}, 'port: expected an integer, got a string "5858"'),
    ({"port": 5858, "event": {}}, "event: is a launch field; attach connects to a function that is already running"),
    ({"port": 5858, **toolkit(template_target())}, "invokeTarget: is a launch field"),
    ({"port": 5858, "host": ""}, "host: must not be empty"),
]


@pytest.mark.parametrize(("arguments", "expected"), ATTACH_INVALID)
def test_an_invalid_attach_configuration_names_the_field(ws: Path, arguments: dict[str, Any], expected: str) -> None:
    assert error(ws, arguments, "attach").startswith(expected)


# --- launch.json files as users have them ---------------------------------------------------------------------------

# A .vscode/launch.json as the AWS Toolkit writes it (its three snippets) and users then edit (issues in
# editor-tooling.md: env vars, --log-file / --env-vars in localArguments, pathMappings, a build directory).
TOOLKIT_LAUNCH_JSON = """{
  "version": "0.2.0",
  "configurations": [
    {
      "type": "aws-sam",
      "request": "direct-invoke",
      "name": "sam-app:HelloWorldFunction",
      "invokeTarget": {
        "target": "template",
        "templatePath": "${workspaceFolder}/template.yaml",
        "logicalId": "HelloWorldFunction"
      },
      "lambda": {
        "payload": {},
        "environmentVariables": {}
      }
    },
    {
      "type": "aws-sam",
      "request": "direct-invoke",
      "name": "hello_world:app.lambda_handler (python3.12)",
      "invokeTarget": {
        "target": "code",
        "projectRoot": "${workspaceFolder}/hello_world",
        "lambdaHandler": "app.lambda_handler"
      },
      "lambda": {
        "runtime": "python3.12",
        "payload": {},
        "environmentVariables": {}
      }
    },
    {
      "type": "aws-sam",
      "request": "direct-invoke",
      "name": "API sam-app:HelloWorldFunction",
      "invokeTarget": {
        "target": "api",
        "templatePath": "${workspaceFolder}/template.yaml",
        "logicalId": "HelloWorldFunction"
      },
      "api": {
        "path": "/items/17",
        "httpMethod": "get",
        "payload": {
          "json": {}
        }
      }
    },
    {
      "type": "aws-sam",
      "request": "direct-invoke",
      "name": "Debug with my env and event",
      "invokeTarget": {
        "target": "template",
        "templatePath": "template.yaml",
        "logicalId": "HelloWorldFunction"
      },
      "lambda": {
        "payload": {"path": "${workspaceFolder}/events/event.json"},
        "environmentVariables": {"TABLE": "local-items", "LOG_LEVEL": "DEBUG"},
        "pathMappings": [{"localRoot": "${workspaceFolder}/hello_world", "remoteRoot": "/var/task"}]
      },
      "sam": {
        "containerBuild": false,
        "skipNewImageCheck": true,
        "dockerNetwork": "sam-local",
        "localArguments": ["--env-vars", "env.json", "--log-file", "sam.log"],
        "template": {"parameters": {"Stage": "local", "Retries": 3}}
      },
      "aws": {"credentials": "profile:default", "region": "us-west-2"}
    },
    {
      "type": "aws-sam",
      "request": "direct-invoke",
      "name": "API POST with headers",
      "invokeTarget": {"target": "api", "templatePath": "template.yaml", "logicalId": "HelloWorldFunction"},
      "api": {
        "path": "/items/9",
        "httpMethod": "post",
        "payload": {"json": {"name": "widget"}},
        "headers": {"Authorization": "Bearer x"},
        "querystring": "verbose=1&tag=a&tag=b"
      },
      "sam": {"buildArguments": ["--cached"]}
    }
  ]
}"""


def test_the_toolkits_launch_json_parses(ws: Path) -> None:
    configurations = json.loads(TOOLKIT_LAUNCH_JSON)["configurations"]
    parsed = [parse(ws, configuration, configuration["request"]) for configuration in configurations]
    template, code, api, edited, post = parsed
    assert template.options == {
        "debug_relay": False,
        "template_file": str(ws / "template.yaml"),
        "function_identifier": "HelloWorldFunction",
    }
    assert template.event is None  # payload {} and environmentVariables {}: the defaults (samconfig.toml) apply
    assert code.options["handler"] == "app.lambda_handler"
    assert code.options["code_dir"] == str(ws / "hello_world")
    api_event = json.loads(api.event)
    assert (api_event["httpMethod"], api_event["pathParameters"], api_event["body"]) == ("GET", {"id": "17"}, "{}")
    assert edited.options == {
        "debug_relay": False,
        "template_file": str(ws / "template.yaml"),
        "function_identifier": "HelloWorldFunction",
        "event": str(ws / "events" / "event.json"),
        "env_vars": str(ws / "env.json"),
        "docker_network": "sam-local",
        "skip_pull_image": True,
        "parameter_overrides": {"Stage": "local", "Retries": "3"},
        "profile": "default",
        "region": "us-west-2",
        "log_file": str(ws / "sam.log"),
    }
    assert edited.event == b'{"source": "file"}'
    assert edited.path_mappings == [{"localRoot": str(ws / "hello_world"), "remoteRoot": "/var/task"}]
    assert [config.name for config in parsed] == [config["name"] for config in configurations]
    post_event = json.loads(post.event)
    assert post_event["body"] == '{"name": "widget"}'
    assert post_event["multiValueQueryStringParameters"] == {"verbose": ["1"], "tag": ["a", "b"]}
    assert post.warnings and "buildArguments" in post.warnings[0]


def test_other_clients_configurations_parse(ws: Path) -> None:
    """Helix sends its template's args plus cwd and no request field; dape sends only keyword keys."""
    helix = {
        "invokeTarget": {"target": "template", "templatePath": "template.yaml", "logicalId": "HelloWorldFunction"},
        "cwd": str(ws),
    }
    assert parse(ws, helix, "launch").options["function_identifier"] == "HelloWorldFunction"
    dape = {
        "type": "aws-sam",
        "request": "direct-invoke",
        "invokeTarget": {"target": "template", "templatePath": "template.yaml", "logicalId": "HelloWorldFunction"},
    }
    assert parse(ws, dape, "direct-invoke").shape == "aws-sam"
    nvim_flat = {
        "type": "lambda",
        "request": "launch",
        "name": "Lambda: hello",
        "template": "${workspaceFolder}/template.yaml",
        "function": "HelloWorldFunction",
        "eventFile": "${workspaceFolder}/events/event.json",
    }
    config = parse(ws, nvim_flat)
    assert config.options["event"] == str(ws / "events" / "event.json")
    assert config.event == b'{"source": "file"}'


def test_all_errors_of_a_launch_json_entry_at_once_for_diagnostics() -> None:
    entry = toolkit(
        {"target": "template", "templatePath": 7},
        **{"lambda": {"memoryMb": "big", "evn": {}}},
        aws={"credentials": "sso:x"},
        template="template.yaml",
    )
    found = dict(launch_configuration_errors(entry))
    assert set(found) == {
        ("invokeTarget",),  # logicalId missing: the object that lacks it
        ("invokeTarget", "templatePath"),
        ("lambda", "memoryMb"),
        ("lambda", "evn"),
        ("aws", "credentials"),
        ("template",),
    }
    assert found[("invokeTarget",)].startswith("invokeTarget.logicalId: missing")
    assert found[("lambda", "evn")].startswith("lambda.evn: unknown field")
    assert launch_configuration_errors(toolkit(template_target())) == []
