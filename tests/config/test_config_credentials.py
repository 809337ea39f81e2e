"""AWS credentials: the boto3-free fast path, profiles from shared files, errors, and secret hygiene."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_dap.config.credentials import AwsContext, boto3_session, resolve_aws
from lambda_dap.errors import CredentialsError

REPO = Path(__file__).resolve().parents[2]
AWS_VARS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)

CONFIG = """\
[default]
region = ap-northeast-1
credential_process = sh -c "exit 3"

[profile dev]
region = eu-central-1

[profile broken]
credential_process = sh -c "echo nope >&2; exit 3"

[profile sso]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Dev
"""

CREDENTIALS = """\
[dev]
aws_access_key_id = AKIADEVEXAMPLE
aws_secret_access_key = dev-secret
aws_session_token = dev-token
"""


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AWS variables, and a HOME without ~/.aws."""
    for name in AWS_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def shared_files(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(CONFIG)
    credentials.write_text(CREDENTIALS)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return config, credentials


# --- the fast path (a dict environ: boto3 is not involved) ---------------------------------------------------


def test_keys_from_environment(tmp_path: Path) -> None:
    environ = {
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "AKIAENV",
        "AWS_SECRET_ACCESS_KEY": "env-secret",
        "AWS_SESSION_TOKEN": "env-token",
        "AWS_DEFAULT_REGION": "sa-east-1",
    }
    assert resolve_aws(None, None, environ) == AwsContext("sa-east-1", "AKIAENV", "env-secret", "env-token", None)


def test_region_precedence_on_the_fast_path(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "sa-east-1"}
    assert resolve_aws(None, None, environ).region == "eu-west-3"
    assert resolve_aws(None, "us-west-2", environ).region == "us-west-2"


def test_defaults_without_anything(tmp_path: Path) -> None:
    context = resolve_aws(None, None, {"HOME": str(tmp_path)})
    assert context == AwsContext("us-east-1", "defaultkey", "defaultsecret", None, None)
    assert context.is_default


def test_empty_session_token_is_none(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": ""}
    assert resolve_aws(None, None, environ).session_token is None


def test_env_keys_with_a_config_file_take_the_default_profiles_region(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = ca-central-1\n")
    environ = {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(config),
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
    }
    assert resolve_aws(None, None, environ).region == "ca-central-1"


def fast_path_probe(environ: dict[str, str]) -> dict[str, object]:
    code = (
        "import json, sys\n"
        "from lambda_dap.config.credentials import resolve_aws\n"
        "ctx = resolve_aws(None, None)\n"
        "print(json.dumps({'boto3': 'boto3' in sys.modules, 'botocore': 'botocore' in sys.modules,\n"
        "                  'region': ctx.region, 'key': ctx.access_key_id}))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **environ}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_fast_path_does_not_import_boto3_with_env_keys(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[default]\nregion = eu-north-1\n")
    environ = {"HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "AKIAFAST", "AWS_SECRET_ACCESS_KEY": "s"}
    assert fast_path_probe(environ) == {"boto3": False, "botocore": False, "region": "eu-north-1", "key": "AKIAFAST"}


def test_fast_path_does_not_import_boto3_without_any_aws_setup(tmp_path: Path) -> None:
    probe = fast_path_probe({"HOME": str(tmp_path)})
    assert probe == {"boto3": False, "botocore": False, "region": "us-east-1", "key": "defaultkey"}


def test_container_credentials_take_the_boto3_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lambda_dap.config.credentials as credentials

    calls: list[tuple[object, ...]] = []
    monkeypatch.setattr(credentials, "_from_boto3", lambda *args: calls.append(args) or "boto3")
    environ = {"HOME": str(tmp_path), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"}
    assert resolve_aws(None, None, environ) == "boto3"
    assert len(calls) == 1


# --- profiles through boto3 (shared files in a temp dir) -----------------------------------------------------


def test_explicit_profile_from_shared_files(shared_files: tuple[Path, Path]) -> None:
    context = resolve_aws("dev", None)
    assert context == AwsContext("eu-central-1", "AKIADEVEXAMPLE", "dev-secret", "dev-token", "dev")


def test_profile_from_aws_profile_variable(shared_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev")
    context = resolve_aws(None, "us-west-1")
    assert (context.access_key_id, context.region, context.profile) == ("AKIADEVEXAMPLE", "us-west-1", "dev")


def test_unknown_profile(shared_files: tuple[Path, Path]) -> None:
    with pytest.raises(CredentialsError) as raised:
        resolve_aws("nope", None)
    assert str(raised.value) == "AWS profile 'nope' not found in ~/.aws/config or ~/.aws/credentials"


def test_explicit_profile_whose_credentials_fail_is_an_error(shared_files: tuple[Path, Path]) -> None:
    with pytest.raises(CredentialsError) as raised:
        resolve_aws("broken", None)
    message = str(raised.value)
    assert message.startswith("Cannot get AWS credentials for profile 'broken': ")
    assert "\n" not in message


def test_expired_sso_token_with_explicit_profile_is_an_error(shared_files: tuple[Path, Path]) -> None:
    with pytest.raises(CredentialsError) as raised:
        resolve_aws("sso", None)
    assert str(raised.value).startswith("Cannot get AWS credentials for profile 'sso': ")


def test_failing_default_profile_without_explicit_profile_falls_back(shared_files: tuple[Path, Path]) -> None:
    context = resolve_aws(None, None)
    assert context == AwsContext("ap-northeast-1", "defaultkey", "defaultsecret", None, None)


def test_profile_with_only_a_region(shared_files: tuple[Path, Path], tmp_path: Path) -> None:
    shared_files[1].write_text("")
    context = resolve_aws("dev", None)
    assert context == AwsContext("eu-central-1", "defaultkey", "defaultsecret", None, "dev")


# --- hygiene and helpers --------------------------------------------------------------------------------------


def test_repr_hides_secrets() -> None:
    context = AwsContext("eu-west-1", "AKIAABCDEFGH1234", "very-secret-value", "session-token-value", "dev")
    text = repr(context)
    assert "very-secret-value" not in text
    assert "session-token-value" not in text
    assert "AKIAABCDEFGH1234" not in text
    assert text == (
        "AwsContext(region='eu-west-1', access_key_id='...1234', secret_access_key='<hidden>', "
        "session_token='<hidden>', profile='dev')"
    )
    assert str(context) == text


def test_credentials_error_never_carries_secrets(shared_files: tuple[Path, Path]) -> None:
    with pytest.raises(CredentialsError) as raised:
        resolve_aws("broken", None)
    assert "dev-secret" not in str(raised.value)


def test_boto3_session_carries_the_context() -> None:
    session = boto3_session(AwsContext("eu-west-1", "AKIAX", "sec", "tok", None))
    frozen = session.get_credentials().get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("AKIAX", "sec", "tok")
    assert session.region_name == "eu-west-1"
