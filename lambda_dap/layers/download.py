"""Published layers: GetLayerVersion through boto3, then the zip from the pre-signed URL it returns.

The endpoint is whatever botocore resolves, so AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_LAMBDA point it at a local
emulator. GetLayerVersion (as SAM) rather than GetLayerVersionByArn: same answer, and moto serves it.
The zip is checked against CodeSha256 before it is unpacked."""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from lambda_dap.config.credentials import AwsContext, boto3_session
from lambda_dap.errors import LayerError
from lambda_dap.layers.arn import LayerArn
from lambda_dap.layers.unzip import extract_zip

_CREDENTIAL_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
    }
)
_CHUNK = 1 << 20
_TIMEOUT_S = 60


def download_layer(layer: LayerArn, dest: Path, *, aws: AwsContext, scratch: Path) -> None:
    """Unpack the published layer into the existing directory `dest`; the zip passes through `scratch`."""
    location, code_sha256 = _locate(layer, aws)
    fd, name = tempfile.mkstemp(prefix=f".{layer.cache_name}.", suffix=".zip", dir=scratch)
    archive = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _fetch(location, out, layer)
        if code_sha256 and base64.b64encode(digest).decode("ascii") != code_sha256:
            raise LayerError(f"Layer {layer.arn}: the downloaded zip does not match its CodeSha256")
        extract_zip(archive, dest, what=layer.arn, shown="the downloaded zip")
    finally:
        archive.unlink(missing_ok=True)


def _locate(layer: LayerArn, aws: AwsContext) -> tuple[str, str | None]:
    """(pre-signed URL of the zip, base64 SHA-256) from GetLayerVersion in the layer's own region."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

    try:
        client = boto3_session(aws).client("lambda", region_name=layer.region)
        response: dict[str, Any] = client.get_layer_version(LayerName=layer.layer_arn, VersionNumber=layer.version)
    except ClientError as e:
        raise _client_error(layer, aws, e.response) from e
    except (NoCredentialsError, PartialCredentialsError) as e:
        raise _credentials_needed(layer, aws, type(e).__name__) from e
    except BotoCoreError as e:
        raise LayerError(f"Cannot get layer {layer.arn}: {' '.join(str(e).split())}") from e
    content = response.get("Content") or {}
    return str(content.get("Location") or ""), content.get("CodeSha256")


def _client_error(layer: LayerArn, aws: AwsContext, response: dict[str, Any]) -> LayerError:
    error = response.get("Error") or {}
    code = str(error.get("Code") or "")
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    if code == "ResourceNotFoundException" or status == 404:
        return LayerError(f"Layer {layer.arn} not found")
    if code in _CREDENTIAL_CODES or status in (401, 403):
        return _credentials_needed(layer, aws, code or f"HTTP {status}")
    detail = " ".join(f"{code or f'HTTP {status}'}: {error.get('Message') or ''}".split())
    return LayerError(f"Cannot get layer {layer.arn}: {detail}")


def _credentials_needed(layer: LayerArn, aws: AwsContext, reason: str) -> LayerError:
    found = "no AWS credentials were found" if aws.is_default else "access was refused"
    return LayerError(
        f"Credentials are needed to download layer {layer.arn} ({reason}; {found}): "
        "use --profile or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )


def _fetch(location: str, out: IO[bytes], layer: LayerArn) -> bytes:
    """Stream the zip at `location` into `out`; return its SHA-256. The URL (it carries a signature) is never
    shown."""
    import urllib.error
    import urllib.request

    if not location.startswith(("https://", "http://")):
        raise LayerError(f"Cannot download layer {layer.arn}: the service returned no download URL")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(location, timeout=_TIMEOUT_S, context=_ssl_context(location)) as response:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as e:
        raise LayerError(f"Cannot download layer {layer.arn}: HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        raise LayerError(f"Cannot download layer {layer.arn}: {e.reason}") from e
    except OSError as e:
        raise LayerError(f"Cannot download layer {layer.arn}: {e.strerror or e}") from e
    return digest.digest()


def _ssl_context(location: str) -> Any:
    """HTTPS verification against AWS_CA_BUNDLE when set (as botocore does), else the system store."""
    if not location.startswith("https://"):
        return None
    import ssl

    return ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or None)
