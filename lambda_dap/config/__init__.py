"""What to run with: samconfig, parameter overrides, env-vars files and precedence, AWS credentials."""

from lambda_dap.config.credentials import AwsContext, boto3_session, resolve_aws
from lambda_dap.config.envvars import lambda_environment, load_container_env_vars_file, load_env_vars_file
from lambda_dap.config.overrides import parse_parameter_overrides
from lambda_dap.config.samconfig import find_config_file, load_command_parameters

__all__ = [
    "AwsContext",
    "boto3_session",
    "find_config_file",
    "lambda_environment",
    "load_command_parameters",
    "load_container_env_vars_file",
    "load_env_vars_file",
    "parse_parameter_overrides",
    "resolve_aws",
]
