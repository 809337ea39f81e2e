"""AWS credentials and region for the container's environment and for layer downloads.

Resolution follows SAM (boto3's chain, static values copied once, `defaultkey`/`defaultsecret`/`us-east-1`
when nothing is found) with a fast path that skips importing boto3 when the answer cannot depend on a profile:
no profile asked for, and either both keys in the environment or no shared config/credentials file and no
container credentials. An explicit profile that is unknown or whose credentials cannot be fetched (expired SSO
token, failing credential_process, ...) is an error, never a silent fallback. Secrets never appear in reprs,
logs or messages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_dap.errors import CredentialsError

if TYPE_CHECKING:
    import boto3.session

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCESS_KEY_ID = "defaultkey"
DEFAULT_SECRET_ACCESS_KEY = "defaultsecret"

# Variables that make botocore fetch credentials from somewhere other than the files or the environment keys.
_REMOTE_CREDENTIAL_VARS = (
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@dataclass(frozen=True, repr=False)
class AwsContext:
    """Static credentials and region, as the container and the layer downloader get them."""

    region: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    profile: str | None = None

    @property
    def is_default(self) -> bool:
        """True for SAM's placeholder credentials (no real credentials were found)."""
        return self.access_key_id == DEFAULT_ACCESS_KEY_ID and self.secret_access_key == DEFAULT_SECRET_ACCESS_KEY

    def __repr__(self) -> str:
        key = self.access_key_id if self.is_default else f"...{self.access_key_id[-4:]}"
        token = "<hidden>" if self.session_token else None
        return (
            f"AwsContext(region={self.region!r}, access_key_id={key!r}, secret_access_key='<hidden>', "
            f"session_token={token!r}, profile={self.profile!r})"
        )


def default_aws(region: str | None = None, profile: str | None = None) -> AwsContext:
    """SAM's placeholder context: credentials that work against local emulators only."""
    return AwsContext(region or DEFAULT_REGION, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None, profile)


def resolve_aws(profile: str | None, region: str | None, environ: Mapping[str, str] = os.environ) -> AwsContext:
    """Credentials and region for `--profile` / `--region`.

    The fast path reads `environ`; the boto3 path (profiles, SSO, credential_process, container credentials)
    reads the process environment, as boto3 always does."""
    env_profile = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE")
    if not profile and not env_profile and _environment_is_enough(environ):
        return _from_environment(region, environ)
    return _from_boto3(profile, profile or env_profile, region, environ)


def boto3_session(aws: AwsContext) -> boto3.session.Session:
    """A boto3 Session carrying exactly this context's credentials and region (imports boto3)."""
    import boto3.session

    return boto3.session.Session(
        aws_access_key_id=aws.access_key_id,
        aws_secret_access_key=aws.secret_access_key,
        aws_session_token=aws.session_token or None,
        region_name=aws.region,
    )


def _environment_is_enough(environ: Mapping[str, str]) -> bool:
    if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        return True
    if any(environ.get(name) for name in _REMOTE_CREDENTIAL_VARS):
        return False
    return not any(path.is_file() for path in _shared_files(environ))


def _from_environment(region: str | None, environ: Mapping[str, str]) -> AwsContext:
    key, secret = environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY")
    region = region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or _config_region(environ)
    if not (key and secret):
        return default_aws(region)
    token = environ.get("AWS_SESSION_TOKEN") or environ.get("AWS_SECURITY_TOKEN") or None
    return AwsContext(region or DEFAULT_REGION, key, secret, token, None)


def _from_boto3(profile: str | None, chosen: str | None, region: str | None, environ: Mapping[str, str]) -> AwsContext:
    import boto3.session
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    frozen: Any = None
    session_region: str | None = None
    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
        session_region = session.region_name
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except ProfileNotFound as e:
        raise CredentialsError(f"AWS profile '{chosen}' not found in ~/.aws/config or ~/.aws/credentials") from e
    except (BotoCoreError, ClientError) as e:
        if chosen:
            reason = " ".join(str(e).split())
            raise CredentialsError(f"Cannot get AWS credentials for profile '{chosen}': {reason}") from e
    region = region or environ.get("AWS_REGION") or session_region or DEFAULT_REGION
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        return default_aws(region, chosen)
    return AwsContext(region, frozen.access_key, frozen.secret_key, frozen.token or None, chosen)


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HOME") or Path.home())


def _expand(value: str, environ: Mapping[str, str]) -> Path:
    if value == "~" or value.startswith("~/"):
        return _home(environ) / value[2:]
    return Path(value)


def _shared_files(environ: Mapping[str, str]) -> tuple[Path, Path]:
    config = environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return _expand(config, environ), _expand(credentials, environ)


def _config_region(environ: Mapping[str, str]) -> str | None:
    """The default profile's region from the shared config file, read without boto3."""
    path = _shared_files(environ)[0]
    if not path.is_file():
        return None
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    for section in ("default", "profile default"):
        if parser.has_option(section, "region"):
            return parser.get(section, "region").strip() or None
    return None
