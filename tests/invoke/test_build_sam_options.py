"""`build_request` for the options SAM 1.170 added: their checks, SAM's words, samconfig and `--save-params`."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from lambda_dap.errors import OptionError, OptionValueError, TenancyError, UnsupportedOption
from lambda_dap.invoke import build_request
from lambda_dap.invoke.build import SAM_ONLY_OPTIONS
from lambda_dap.invoke.plan import plan_function

TEMPLATE = (
    "Resources:\n"
    "  Tenanted:\n    Type: AWS::Serverless::Function\n"
    "    Properties: {Handler: app.h, Runtime: python3.12, TenancyConfig: {TenantIsolationMode: PER_TENANT}}\n"
    "  Plain:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: app.h, Runtime: python3.12}\n"
    "  Durable:\n    Type: AWS::Serverless::Function\n"
    "    Properties: {Handler: app.h, Runtime: python3.12, DurableConfig: {ExecutionTimeout: 900}}\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "app.py").write_text("def h(event, context):\n    return event\n")
    return tmp_path


def _plan(project: Path, warnings: list[str] | None = None, **options):
    request = build_request(options, cwd=project, environ={})
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"}
    sink = warnings.append if warnings is not None else (lambda text: None)
    plan = plan_function(request, notice=lambda text: None, host_env=env, warn=sink)
    plan.close()
    return plan


def test_every_sam_option_is_now_used():
    assert not SAM_ONLY_OPTIONS


# --- --tenant-id ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenant", "problem"),
    [
        ("", "must be between 1 and 256 characters"),
        ("x" * 257, "must be between 1 and 256 characters"),
        ("   ", "cannot be empty or contain only whitespace"),
        ("acme#1", "contains invalid characters. Allowed characters are a-z, A-Z, numbers, spaces, and the characters"),
    ],
)
def test_a_malformed_tenant_id_is_a_usage_error_in_sams_words(project, tenant, problem):
    with pytest.raises(OptionValueError, match=f"^--tenant-id: {problem}"):
        build_request({"tenant_id": tenant, "function_identifier": "Tenanted"}, cwd=project, environ={})


def test_every_character_sam_allows_in_a_tenant_id_passes(project):
    tenant = "Acme Corp_1.eu:west/a=b+c-d@e"
    assert build_request({"tenant_id": tenant}, cwd=project, environ={}).tenant_id == tenant


def test_a_multi_tenant_function_needs_a_tenant_id(project):
    with pytest.raises(TenancyError) as raised:
        _plan(project, function_identifier="Tenanted")
    assert raised.value.message.endswith(
        "Resources.Tenanted.Properties.TenancyConfig: The invoked function is enabled with tenancy configuration. "
        "Add a valid tenant ID in your request and try again (--tenant-id)."
    )
    assert _plan(project, function_identifier="Tenanted", tenant_id="acme").function.logical_id == "Tenanted"


def test_a_tenant_id_for_a_function_without_tenancy_config_is_refused(project):
    with pytest.raises(TenancyError, match=r"The invoked function is not enabled with tenancy configuration\. "):
        _plan(project, function_identifier="Plain", tenant_id="acme")


def test_tenancy_config_from_globals_makes_every_function_multi_tenant(tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Globals:\n  Function:\n    TenancyConfig: {TenantIsolationMode: PER_TENANT}\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.h, Runtime: python3.12}\n"
    )
    (tmp_path / "app.py").write_text("def h(e, c):\n    return e\n")
    with pytest.raises(TenancyError, match="enabled with tenancy configuration"):
        _plan(tmp_path)
    assert _plan(tmp_path, tenant_id="t").function.tenancy_config == {"TenantIsolationMode": "PER_TENANT"}


def test_an_empty_tenancy_config_is_not_multi_tenant_as_in_sam(tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.h, Runtime: python3.12, TenancyConfig: {}}\n"
    )
    (tmp_path / "app.py").write_text("def h(e, c):\n    return e\n")
    assert _plan(tmp_path).function.logical_id == "Fn"


# --- --durable-execution-name ---------------------------------------------------------------------------------


def test_a_durable_execution_name_for_a_durable_function_says_lambda_dap_does_not_emulate_them(project):
    with pytest.raises(UnsupportedOption, match="lambda-dap does not emulate durable executions") as raised:
        _plan(project, function_identifier="Durable", durable_execution_name="order-42")
    assert "Resources.Durable.Properties.DurableConfig" in raised.value.message
    assert raised.value.exit_code == 1


def test_a_durable_execution_name_for_another_function_is_ignored_with_a_warning(project):
    warnings: list[str] = []
    _plan(project, warnings, function_identifier="Plain", durable_execution_name="order-42")
    assert warnings == [
        "--durable-execution-name order-42: Plain has no DurableConfig (the name is for durable functions only); "
        "ignored, as SAM does"
    ]


# --- --container-host -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "host.docker.internal", "::1", "my-box.local."])
def test_container_host_takes_host_names_and_addresses(project, host):
    request = build_request({"container_host": host}, cwd=project, environ={})
    assert request.debug is None  # without a debug port nothing is published: nothing to reach


@pytest.mark.parametrize("host", ["http://localhost", "local host", "host:5000", "-bad-.example", ""])
def test_a_container_host_that_is_no_host_is_a_usage_error(project, host):
    with pytest.raises(OptionValueError, match=r"^--container-host: '.*' is not a host name or IP address"):
        build_request({"container_host": host}, cwd=project, environ={})


def test_a_container_host_that_does_not_resolve_is_refused_when_a_port_is_published(project):
    with pytest.raises(OptionValueError, match=r"^--container-host: 'no-such-host\.invalid' cannot be resolved"):
        build_request({"container_host": "no-such-host.invalid", "debug_port": (5890,)}, cwd=project, environ={})


def test_a_bracketed_ipv6_container_host_is_kept_as_the_address(project):
    debug = build_request({"container_host": "[::1]", "debug_port": (5890,)}, cwd=project, environ={}).debug
    assert debug is not None and debug.container_host == "::1"


def test_with_a_container_host_the_relayed_debugger_gets_a_published_port_of_its_own(project):
    debug = build_request({"container_host": "localhost", "debug_port": (5890,)}, cwd=project, environ={}).debug
    assert debug is not None and debug.container_host == "localhost"
    assert debug.upstream_port and debug.upstream_port != 5890


# --- --mount-symlinks, --language-extensions, --beta-features -------------------------------------------------


def test_tri_state_flags_keep_an_explicit_no_over_samconfig(project):
    (project / "samconfig.toml").write_text(
        "[default.local_invoke.parameters]\nmount_symlinks = true\nlanguage_extensions = true\n"
    )
    request = build_request({"mount_symlinks": False, "language_extensions": False}, cwd=project, environ={})
    assert request.mount_symlinks is False and request.language_extensions is False
    request = build_request({}, cwd=project, environ={})
    assert request.mount_symlinks is True and request.language_extensions is True


@pytest.mark.parametrize(("variable", "expected"), [(None, None), ("1", True), ("YES", True), ("0", False)])
def test_language_extensions_fall_back_to_sams_environment_variable(project, variable, expected):
    environ = {} if variable is None else {"SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS": variable}
    assert build_request({}, cwd=project, environ=environ).language_extensions is expected
    assert build_request({"language_extensions": False}, cwd=project, environ=environ).language_extensions is False


def test_samconfig_wins_over_the_language_extensions_variable_as_in_sam(project):
    (project / "samconfig.toml").write_text("[default.local_invoke.parameters]\nlanguage_extensions = false\n")
    environ = {"SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS": "1"}
    assert build_request({}, cwd=project, environ=environ).language_extensions is False


def test_beta_features_are_accepted_on_the_command_line_and_in_samconfig(project):
    (project / "samconfig.toml").write_text("[default.local_invoke.parameters]\nbeta_features = true\n")
    warnings: list[str] = []
    build_request({"beta_features": False}, cwd=project, environ={}, warn=warnings.append)
    assert warnings == []


# --- the Terraform hook ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "label"),
    [
        ({"skip_prepare_infra": True}, "--skip-prepare-infra"),
        ({"terraform_plan_file": "plan.json"}, "--terraform-plan-file"),
    ],
)
def test_hook_companions_without_hook_name_are_sams_usage_error(project, options, label):
    with pytest.raises(OptionValueError, match=f"^{label}: Missing option --hook-name$"):
        build_request(options, cwd=project, environ={})


def test_prepare_infra_alone_is_fine(project):
    build_request({"skip_prepare_infra": False}, cwd=project, environ={})


def test_an_unknown_hook_name_is_a_usage_error(project):
    with pytest.raises(OptionValueError, match=r"^--hook-name: pulumi is not a valid hook name\. valid package ids: "):
        build_request({"hook_name": "pulumi"}, cwd=project, environ={})


@pytest.mark.parametrize("given", [{"template_file": "template.yaml"}, {"parameter_overrides": "A=1"}])
def test_hook_name_with_a_template_or_overrides_is_sams_usage_error(project, given):
    with pytest.raises(OptionValueError, match=r"^Parameters hook-name, and t,template-file,template,parameter-over"):
        build_request({"hook_name": "terraform", **given}, cwd=project, environ={})


def test_the_terraform_hook_without_a_prepared_application_says_lambda_dap_does_not_run_terraform(project):
    with pytest.raises(UnsupportedOption) as raised:
        build_request({"hook_name": "terraform", "skip_prepare_infra": True}, cwd=project, environ={})
    assert "lambda-dap does not run Terraform" in raised.value.message and raised.value.exit_code == 1


def test_the_terraform_hook_with_a_prepared_application_invokes_it_as_sam_does(project):
    built = project / ".aws-sam" / "build"
    built.mkdir(parents=True)
    (built / "template.yaml").write_text(TEMPLATE)
    notices: list[str] = []
    request = build_request({"hook_name": "terraform"}, cwd=project, environ={}, notice=notices.append)
    assert request.template == built / "template.yaml"
    assert notices == ["Skipped prepare hook. Current application is already prepared."]


def test_hook_name_from_samconfig_counts_for_its_companions(project):
    (project / "samconfig.toml").write_text('[default.local_invoke.parameters]\nhook_name = "terraform"\n')
    with pytest.raises(UnsupportedOption, match="does not run Terraform"):
        build_request({"skip_prepare_infra": True}, cwd=project, environ={})


# --- --save-params --------------------------------------------------------------------------------------------


def test_save_params_writes_the_command_line_parameters_with_sams_types(project):
    (project / "env.json").write_text("{}")
    options = {
        "function_identifier": "Tenanted",
        "tenant_id": "acme",
        "debug_port": (5890, 5891),
        "parameter_overrides": "Stage=prod ParameterKey=Color,ParameterValue=blue",
        "add_host": ("db.local:10.0.0.5",),
        "env_vars": "env.json",
        "skip_pull_image": True,
        "mount_symlinks": False,
        "region": "eu-west-1",
        "save_params": True,
        "debug": True,
    }
    notices: list[str] = []
    build_request(options, cwd=project, environ={}, notice=notices.append)
    document = tomllib.loads((project / "samconfig.toml").read_text())
    assert document["version"] == 0.1
    assert document["default"]["local_invoke"]["parameters"] == {
        "function_logical_id": "Tenanted",
        "tenant_id": "acme",
        "debug_port": [5890, 5891],
        "parameter_overrides": {"Stage": "prod", "Color": "blue"},
        "add_host": {"db.local": "10.0.0.5"},
        "env_vars": "env.json",
        "skip_pull_image": True,
        "mount_symlinks": False,
    }
    assert document["default"]["global"]["parameters"] == {"region": "eu-west-1"}
    assert notices[-1].startswith("Saved parameters to config file 'samconfig.toml' under environment 'default': {")


def test_what_save_params_wrote_is_read_back_by_the_next_run(project):
    options = {
        "function_identifier": "Tenanted",
        "tenant_id": "acme",
        "parameter_overrides": "Stage=prod",
        "add_host": ("db.local:10.0.0.5",),
        "debug_port": (5890,),
        "save_params": True,
        "region": "eu-west-1",
    }
    first = build_request(options, cwd=project, environ={})
    warnings: list[str] = []
    second = build_request({}, cwd=project, environ={}, warn=warnings.append)
    assert warnings == []
    for name in ("function_id", "tenant_id", "parameter_overrides", "extra_hosts", "region"):
        assert getattr(second, name) == getattr(first, name), name
    assert second.debug is not None and second.debug.ports == (5890,)


def test_save_params_keeps_the_rest_of_the_file_and_its_comments(project):
    original = (
        "# More information about the configuration file can be found here:\n"
        'version = 0.1\n\n[default.global.parameters]\nstack_name = "shop"  # the stack\n\n'
        '[default.deploy.parameters]\ncapabilities = "CAPABILITY_IAM"\n'
    )
    (project / "samconfig.toml").write_text(original)
    build_request({"tenant_id": "acme", "save_params": True, "region": "us-east-1"}, cwd=project, environ={})
    text = (project / "samconfig.toml").read_text()
    assert text == (
        "# More information about the configuration file can be found here:\n"
        'version = 0.1\n\n[default.global.parameters]\nstack_name = "shop"  # the stack\nregion = "us-east-1"\n\n'
        '[default.deploy.parameters]\ncapabilities = "CAPABILITY_IAM"\n\n'
        '[default.local_invoke.parameters]\ntenant_id = "acme"\n'
    )


def test_save_params_into_a_named_env_and_file(project):
    (project / "dev.toml").write_text("version = 0.1\n")
    options = {
        "tenant_id": "a",
        "save_params": True,
        "config_env": "dev",
        "config_file": "dev.toml",
        "region": "us-east-1",
    }
    build_request(options, cwd=project, environ={})
    document = tomllib.loads((project / "dev.toml").read_text())
    assert document["dev"]["local_invoke"]["parameters"] == {"tenant_id": "a"}
    assert not (project / "samconfig.toml").exists()


def test_a_parameter_equal_to_a_global_one_is_saved_only_there_as_in_sam(project):
    (project / "samconfig.toml").write_text('version = 0.1\n[default.global.parameters]\ntenant_id = "acme"\n')
    build_request({"tenant_id": "acme", "save_params": True, "region": "us-east-1"}, cwd=project, environ={})
    document = tomllib.loads((project / "samconfig.toml").read_text())
    assert "tenant_id" not in document["default"].get("local_invoke", {}).get("parameters", {})


def test_save_params_refuses_a_yaml_config_file(project):
    (project / "samconfig.yaml").write_text("version: 0.1\n")
    with pytest.raises(OptionError, match="--save-params: lambda-dap writes TOML config files only"):
        build_request({"tenant_id": "a", "save_params": True, "region": "us-east-1"}, cwd=project, environ={})
