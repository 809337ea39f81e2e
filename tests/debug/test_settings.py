"""Each runtime's debug container spec, pinned: entrypoint arguments, environment, mounts, options."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.debug.settings import (
    DEBUGGER_MOUNT,
    DEBUGPY_MOUNT,
    DEBUGPY_WRAPPER,
    DebugRequest,
    DebugSettings,
    bundled_debugpy,
    split_debug_args,
)
from lambda_dap.debug.settings import debug_settings as settings_of_family
from lambda_dap.errors import DebuggingNotSupported, OptionError
from lambda_dap.invoke.runtimes import runtime_family, runtime_of_image


def options(*ports: int, path: Path | None = None, args: str | None = None) -> DebugRequest:
    return DebugRequest(port=(ports or (5890,))[0], debugger_path=path, debug_args=args)


def debug_settings(runtime: str | None, wanted: DebugRequest, listen_host: str = "0.0.0.0") -> DebugSettings:
    return settings_of_family(runtime_family(runtime) if runtime else None, runtime, wanted, listen_host)


def test_python_with_zero_setup_runs_the_bundled_debugpy_and_waits():
    settings = debug_settings("python3.12", options(5890, 5891))
    assert settings.launcher_args == (
        "--python",
        "-Xfrozen_modules=off",
        DEBUGPY_WRAPPER,
        DEBUGPY_MOUNT,
        "--listen",
        "0.0.0.0:5890",
        "--wait-for-client",
        "--configure-subProcess",
        "false",
    )
    (mount,) = settings.mounts
    assert mount.source == str(bundled_debugpy()) and mount.target == DEBUGPY_MOUNT
    assert (bundled_debugpy() / "__main__.py").is_file()


def test_python_debug_args_go_between_the_interpreter_and_the_bootstrap():
    settings = debug_settings("python3.11", options(args="-X dev -m debugpy --listen 0.0.0.0:5890 --log-to '/tmp/a b'"))
    assert settings.launcher_args == (
        "--python",
        "-Xfrozen_modules=off",
        "-X",
        "dev",
        "-m",
        "debugpy",
        "--listen",
        "0.0.0.0:5890",
        "--log-to",
        "/tmp/a b",
    )
    sam_style = debug_settings("python3.11", options(args="-m debugpy --listen 0.0.0.0:5890 --wait-for-client"))
    assert sam_style.launcher_args[:4] == ("--python", "-Xfrozen_modules=off", DEBUGPY_WRAPPER, DEBUGPY_MOUNT)


def test_python_prefers_a_debugpy_under_debugger_path(tmp_path):
    (tmp_path / "debugpy").mkdir()
    (tmp_path / "debugpy" / "__main__.py").write_text("")
    settings = debug_settings("python3.12", options(path=tmp_path))
    assert settings.launcher_args[2:4] == (DEBUGPY_WRAPPER, f"{DEBUGGER_MOUNT}/debugpy")
    assert [(m.source, m.target) for m in settings.mounts] == [(str(tmp_path), DEBUGGER_MOUNT)]


def test_nodejs_uses_inspect_brk_through_node_options():
    settings = debug_settings("nodejs20.x", options(9229, args="--inspect-publish-uid=http"))
    assert settings.environment == {"NODE_OPTIONS": "--inspect-brk=0.0.0.0:9229 --inspect-publish-uid=http"}
    assert settings.launcher_args == ()


@pytest.mark.parametrize("runtime, address", [("java8.al2", "5005"), ("java17", "*:5005"), ("java21", "*:5005")])
def test_java_uses_a_suspended_jdwp_agent(runtime, address):
    settings = debug_settings(runtime, options(5005, args="-Xmx512m"))
    java_options = settings.environment["_JAVA_OPTIONS"]
    assert java_options.startswith(f"-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,quiet=y,address={address} ")
    assert java_options.endswith(" -Xmx512m")  # separated by a space, unlike SAM


def test_dotnet_needs_vsdbg_and_passes_args_to_the_bootstrap(tmp_path):
    with pytest.raises(DebuggingNotSupported, match="--debugger-path"):
        debug_settings("dotnet8", options())
    settings = debug_settings("dotnet8", options(path=tmp_path, args="--foo bar"))
    assert settings.launcher_args == ("/var/runtime/bootstrap", "--foo", "bar")
    assert settings.environment == {"_AWS_LAMBDA_DOTNET_DEBUGGING": "1"}
    assert not settings.port_is_protocol


@pytest.mark.parametrize("runtime", ["provided.al2023", "provided.al2", "go1.x"])
def test_go_and_custom_runtimes_run_the_bootstrap_under_delve(runtime, tmp_path):
    with pytest.raises(DebuggingNotSupported, match="dlv"):
        debug_settings(runtime, options(path=tmp_path))
    (tmp_path / "dlv").write_text("")
    settings = debug_settings(runtime, options(2345, path=tmp_path, args="--log"))
    assert settings.launcher_args == (
        "--wrap",
        f"{DEBUGGER_MOUNT}/dlv",
        "--listen=0.0.0.0:2345",
        "--headless=true",
        "--api-version=2",
        "--accept-multiclient",
        "--log",
        "exec",
    )
    assert settings.security_opt == ("seccomp=unconfined",) and settings.cap_add == ("SYS_PTRACE",)


def test_ruby_opens_rdbg_and_waits():
    settings = debug_settings("ruby3.3", options(12345))
    assert settings.environment == {"RUBYOPT": "-rdebug/open", "RUBY_DEBUG_HOST": "0.0.0.0", "RUBY_DEBUG_PORT": "12345"}


def test_image_function_without_a_known_runtime_takes_the_args_as_its_command():
    settings = debug_settings(None, options(args="/entry.sh --debug"))
    assert settings.launcher_args == ("/entry.sh", "--debug")


@pytest.mark.parametrize(
    "image, runtime",
    [
        ("public.ecr.aws/lambda/python:3.12-x86_64", "python3.12"),
        ("public.ecr.aws/lambda/nodejs:20", "nodejs20.x"),
        ("public.ecr.aws/lambda/provided:al2023-arm64", "provided.al2023"),
        ("my-app:latest", None),
    ],
)
def test_runtime_of_an_official_image(image, runtime):
    assert runtime_of_image(image) == runtime


def test_debug_args_are_split_like_a_shell_without_one():
    assert split_debug_args("-a 'b c' \"d e\" f\\ g") == ["-a", "b c", "d e", "f g"]
    with pytest.raises(OptionError, match="--debug-args"):
        split_debug_args("'unclosed")
