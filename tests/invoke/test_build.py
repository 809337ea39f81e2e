"""`build_request`: the one set of rules every front door uses to turn raw option values into a request."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lambda_dap.errors import EventError, LambdaDapError, OptionError
from lambda_dap.invoke import build_request

TEMPLATE = (
    "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: app.h, Runtime: python3.12}\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


def test_nothing_given_means_the_default_template_and_an_empty_event(project):
    request = build_request({}, cwd=project, environ={})
    assert request.template == project / "template.yaml"
    assert request.event == b"{}" and request.debug is None and request.function_id is None


def test_samconfig_fills_what_was_not_given_and_resolves_its_paths_against_itself(project):
    (project / "env.json").write_text("{}")
    (project / "samconfig.toml").write_text(
        'version = 0.1\n[default.global.parameters]\nregion = "eu-west-1"\n'
        '[default.local_invoke.parameters]\nenv_vars = "env.json"\nskip_pull_image = true\n'
        'debug_port = 5890\ninvoke_image = "img:1"\nparameter_overrides = ["A=1", "B=2"]\n'
    )
    request = build_request({"region": "us-west-2"}, cwd=project / ".", environ={})
    assert request.region == "us-west-2"  # given wins over samconfig
    assert request.env_vars_file == project / "env.json"
    assert request.skip_pull_image is True
    assert request.debug is not None and request.debug.ports == (5890,)
    assert request.invoke_images == {None: "img:1"}
    assert request.parameter_overrides == {"A": "1", "B": "2"}


def test_sam_environment_variables_sit_between_given_values_and_samconfig(project):
    (project / "samconfig.toml").write_text('[default.local_invoke.parameters]\ndocker_network = "from-config"\n')
    environ = {"SAM_DOCKER_NETWORK": "from-env", "SAM_DEBUG_PORT": "5890 5891", "SAM_SKIP_PULL_IMAGE": "1"}
    request = build_request({}, cwd=project, environ=environ)
    assert request.docker_network == "from-env"
    assert request.debug is not None and request.debug.ports == (5890, 5891)
    assert request.skip_pull_image
    assert build_request({"docker_network": "given"}, cwd=project, environ=environ).docker_network == "given"


def test_a_template_named_in_samconfig_is_used_and_found_relative_to_it(tmp_path):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "stack.yaml").write_text(TEMPLATE)
    (tmp_path / "samconfig.toml").write_text('[default.local_invoke.parameters]\ntemplate_file = "infra/stack.yaml"\n')
    assert build_request({}, cwd=tmp_path, environ={}).template == tmp_path / "infra" / "stack.yaml"


def test_a_bad_value_in_samconfig_names_the_file_and_the_option(project):
    (project / "samconfig.toml").write_text('[default.local_invoke.parameters]\nskip_pull_image = "maybe"\n')
    with pytest.raises(OptionError, match=r"samconfig.toml: skip_pull_image: expected true or false"):
        build_request({}, cwd=project, environ={})


@pytest.mark.parametrize(
    ("ports", "message"),
    [
        ((99999,), "port 99999 is not between 1 and 65535"),
        ((-1,), "port -1 is not between"),
        ((5890, 5890), "each port may be given once"),
    ],
)
def test_bad_debug_ports_are_one_clear_error(project, ports, message):
    with pytest.raises(OptionError, match=message):
        build_request({"debug_port": ports}, cwd=project, environ={})


def test_debug_port_zero_picks_a_free_port(project):
    request = build_request({"debug_port": (0,)}, cwd=project, environ={})
    assert request.debug is not None and 0 < request.debug.port < 65536


def test_debugger_options_need_a_debug_port(project):
    with pytest.raises(OptionError, match="need --debug-port"):
        build_request({"debug_args": "-v"}, cwd=project, environ={})


def test_a_caller_that_owns_the_debugger_gets_no_relay_and_a_live_timeout(project):
    request = build_request({"debug_port": (5890,), "debug_relay": False}, cwd=project, environ={})
    assert request.debug is not None and not request.debug.relay and request.debug.keep_timeout
    relayed = build_request({"debug_port": (5890,)}, cwd=project, environ={})
    assert relayed.debug is not None and relayed.debug.relay and not relayed.debug.keep_timeout


def test_the_event_from_a_file_stdin_or_inline(project):
    (project / "e.json").write_text('{"a": 1}')
    assert build_request({"event": "e.json"}, cwd=project, environ={}).event == b'{"a": 1}'
    notices: list[str] = []
    from_stdin = build_request(
        {"event": "-"}, cwd=project, environ={}, stdin=io.BytesIO(b"[1, 2]"), notice=notices.append
    )
    assert from_stdin.event == b"[1, 2]" and notices and "stdin" in notices[0]
    assert json.loads(build_request({"event_data": {"b": 2}}, cwd=project, environ={}).event) == {"b": 2}
    assert build_request({"event": "e.json", "no_event": True}, cwd=project, environ={}).event == b"{}"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"event": "missing.json"}, "Cannot read event file missing.json"),
        ({"event_data": b"{nope"}, "is not valid JSON"),
    ],
)
def test_bad_events_fail_before_anything_runs(project, options, message):
    with pytest.raises(EventError, match=message):
        build_request(options, cwd=project, environ={})


def test_inline_env_vars_and_container_env_vars(project):
    request = build_request(
        {"env_vars": {"Fn": {"A": "1"}}, "container_env_vars": {"B": 2, "C": True}}, cwd=project, environ={}
    )
    assert request.env_vars == {"Fn": {"A": "1"}} and request.env_vars_file is None
    assert request.container_env_vars == {"B": "2", "C": "true"}


def test_a_function_without_a_template(project):
    request = build_request(
        {
            "handler": "app.h",
            "code_dir": ".",
            "runtime": "python3.12",
            "memory_mb": 512,
            "timeout_s": 30,
            "environment": {"X": "1"},
        },
        cwd=project,
        environ={},
    )
    assert request.template is None and request.code is not None
    assert (request.code.handler, request.code.code_dir, request.code.memory_mb, request.code.timeout_s) == (
        "app.h",
        project,
        512,
        30,
    )
    with pytest.raises(OptionError, match="needs a handler, a runtime and a code directory"):
        build_request({"handler": "app.h"}, cwd=project, environ={})
    with pytest.raises(OptionError, match="timeout_s: expected a positive number"):
        build_request(
            {"handler": "app.h", "code_dir": ".", "runtime": "python3.12", "timeout_s": -1}, cwd=project, environ={}
        )


def test_every_error_is_a_lambda_dap_error_with_one_line(project):
    for options in (
        {"debug_port": ("x",)},
        {"add_host": ("nocolon",)},
        {"debugger_path": "nowhere"},
        {"debug_port": (1,), "debugger_path": "nowhere"},
    ):
        with pytest.raises(LambdaDapError) as caught:
            build_request(options, cwd=project, environ={})
        assert "\n" not in caught.value.message
