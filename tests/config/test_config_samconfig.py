"""samconfig.toml / .yaml: where it is found and what `load_command_parameters` returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.config.samconfig import find_config_file, load_command_parameters
from lambda_dap.errors import ConfigFileError

TOML = """\
version = 0.1

[default.global.parameters]
region = "eu-west-1"
skip_pull_image = false
parameter_overrides = "Stage=global"

[default.local_invoke.parameters]
template_file = "template.yaml"
parameter_overrides = ["Stage=dev", "Size=2"]
debug_port = 5858
skip_pull_image = true

[default.deploy.parameters]
stack_name = "not-for-invoke"

[prod.local_invoke.parameters]
env_vars = "prod.json"
"""

YAML = """\
version: 0.1
default:
  global:
    parameters:
      region: eu-west-1
  local_invoke:
    parameters:
      invoke_image: ["Func=local/python:3.12"]
      env_vars: env.json
staging:
  local_invoke:
    parameters:
      debug_port: 9999
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- find_config_file ---------------------------------------------------------------------------------------


def test_default_file_in_the_template_directory_wins_over_cwd(tmp_path: Path) -> None:
    template_dir, cwd = tmp_path / "app", tmp_path / "cwd"
    in_template_dir = write(template_dir / "samconfig.toml", TOML)
    write(cwd / "samconfig.toml", TOML)
    assert find_config_file(None, template_dir, cwd) == in_template_dir


def test_default_file_falls_back_to_cwd(tmp_path: Path) -> None:
    template_dir, cwd = tmp_path / "app", tmp_path / "cwd"
    template_dir.mkdir()
    in_cwd = write(cwd / "samconfig.yaml", YAML)
    assert find_config_file(None, template_dir, cwd) == in_cwd


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (["samconfig.toml", "samconfig.yaml", "samconfig.yml"], "samconfig.toml"),
        (["samconfig.yaml", "samconfig.yml"], "samconfig.yaml"),
        (["samconfig.yml"], "samconfig.yml"),
    ],
)
def test_default_names_are_tried_toml_then_yaml_then_yml(tmp_path: Path, present: list[str], expected: str) -> None:
    for name in present:
        write(tmp_path / name, "")
    assert find_config_file(None, tmp_path, tmp_path) == tmp_path / expected


def test_no_config_file_is_none(tmp_path: Path) -> None:
    assert find_config_file(None, tmp_path, tmp_path) is None


def test_explicit_relative_path_is_resolved_against_the_template_directory(tmp_path: Path) -> None:
    template_dir, cwd = tmp_path / "app", tmp_path / "cwd"
    config = write(template_dir / "conf" / "mine.toml", TOML)
    write(cwd / "conf" / "mine.toml", TOML)
    assert find_config_file("conf/mine.toml", template_dir, cwd) == config


def test_explicit_absolute_path(tmp_path: Path) -> None:
    config = write(tmp_path / "elsewhere" / "x.yaml", YAML)
    assert find_config_file(str(config), tmp_path / "app", tmp_path) == config


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as raised:
        find_config_file("nope.toml", tmp_path, tmp_path)
    assert str(raised.value) == f"Config file {tmp_path / 'nope.toml'} does not exist"


# --- load_command_parameters --------------------------------------------------------------------------------


def test_toml_command_parameters_over_global(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.toml", TOML)
    assert load_command_parameters(config) == {
        "region": "eu-west-1",
        "skip_pull_image": True,
        "parameter_overrides": ["Stage=dev", "Size=2"],
        "template_file": "template.yaml",
        "debug_port": 5858,
    }


def test_toml_other_env(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.toml", TOML)
    assert load_command_parameters(config, "prod") == {"env_vars": "prod.json"}


def test_other_command(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.toml", TOML)
    assert load_command_parameters(config, command="deploy")["stack_name"] == "not-for-invoke"


def test_yaml_file(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.yaml", YAML)
    assert load_command_parameters(config) == {
        "region": "eu-west-1",
        "invoke_image": ["Func=local/python:3.12"],
        "env_vars": "env.json",
    }
    assert load_command_parameters(config, "staging") == {"debug_port": 9999}


def test_missing_env_asked_explicitly_lists_the_envs_present(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.toml", TOML)
    with pytest.raises(ConfigFileError) as raised:
        load_command_parameters(config, "qa")
    assert str(raised.value) == (f"Config environment 'qa' not found in {config} (environments present: default, prod)")


def test_missing_default_env_is_empty(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.toml", '[prod.local_invoke.parameters]\nenv_vars = "x"\n')
    assert load_command_parameters(config) == {}


def test_env_without_this_command_is_empty(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.toml", '[default.deploy.parameters]\nstack_name = "x"\n')
    assert load_command_parameters(config) == {}


def test_empty_yaml_file_is_empty(tmp_path: Path) -> None:
    assert load_command_parameters(write(tmp_path / "samconfig.yaml", "")) == {}


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    text = "version = 0.1\n[default.local_invoke.parameters]\ndebug_port =\n"
    config = write(tmp_path / "samconfig.toml", text)
    with pytest.raises(ConfigFileError) as raised:
        load_command_parameters(config)
    assert str(raised.value) == f"Invalid config file {config}: Invalid value (at line 3, column 13)"


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.yaml", "default:\n  local_invoke:\n    parameters: [a\n")
    with pytest.raises(ConfigFileError) as raised:
        load_command_parameters(config)
    message = str(raised.value)
    assert message.startswith(f"Invalid config file {config}: line 4, column 1: ")


def test_parameters_that_are_not_a_table(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.toml", "[default.local_invoke]\nparameters = 3\n")
    with pytest.raises(ConfigFileError) as raised:
        load_command_parameters(config)
    assert str(raised.value) == (
        f"Invalid config file {config}: [default.local_invoke.parameters] must be a table of options"
    )


def test_yaml_top_level_not_a_mapping(tmp_path: Path) -> None:
    config = write(tmp_path / "samconfig.yaml", "- a\n- b\n")
    with pytest.raises(ConfigFileError) as raised:
        load_command_parameters(config)
    assert str(raised.value) == (f"Invalid config file {config}: expected a mapping of environments at the top level")
