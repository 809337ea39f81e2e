"""Published (ARN) layers downloaded from a real local AWS endpoint: moto in server mode on 127.0.0.1.

moto answers GetLayerVersion with `Content.Location = "s3://"`, where AWS gives a pre-signed S3 URL; the fixture
makes moto give a pre-signed URL of its own S3 (where the test put the zip), so the whole path is exercised:
botocore against AWS_ENDPOINT_URL, then an HTTP download of the zip.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from lambda_dap.config.credentials import AwsContext
from lambda_dap.errors import LayerError
from lambda_dap.layers import prepare_opt_dir
from lambda_dap.template.model import Layer
from tests.aws_endpoint import Moto

pytest.importorskip("moto.server")

AWS = AwsContext("us-east-1", "testing", "testing", None, None)


def prepare(layers: list[Layer], cache: Path, messages: list[str], **kwargs) -> Path | None:
    return prepare_opt_dir(layers, cache_dir=cache, aws=AWS, log=messages.append, **kwargs)


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_arn_layer_is_downloaded_then_reused_without_aws(moto: Moto, tmp_path: Path) -> None:
    arn = moto.publish(unique("tools"), {"bin/tool": ("#!/bin/sh\n", 0o755), "python/mod.py": ("X = 1\n", 0o644)})
    cache = tmp_path / "cache"
    messages: list[str] = []

    opt_dir = prepare([Layer(arn, arn=arn)], cache, messages)

    assert messages == [f"Downloading layer {arn}"]
    assert opt_dir is not None and opt_dir.parent == cache
    name, version = arn.split(":")[-2:]
    assert opt_dir.name.startswith(f"{name}-{version}-")
    assert (opt_dir / "python" / "mod.py").read_text() == "X = 1\n"
    assert os.access(opt_dir / "bin" / "tool", os.X_OK)
    assert sorted(p.name for p in cache.iterdir()) == [".locks", opt_dir.name]  # no temp zip or dir left

    moto.server.stop()  # a second run needs no AWS call at all
    messages.clear()
    assert prepare([Layer(arn, arn=arn)], cache, messages) == opt_dir
    assert messages == []


def test_force_downloads_again(moto: Moto, tmp_path: Path) -> None:
    arn = moto.publish(unique("forced"), {"python/mod.py": ("X = 1\n", 0o644)})
    cache = tmp_path / "cache"
    messages: list[str] = []
    opt_dir = prepare([Layer(arn, arn=arn)], cache, messages)
    assert opt_dir is not None
    (opt_dir / "stale-marker").write_text("from before")

    assert prepare([Layer(arn, arn=arn)], cache, messages, force=True) == opt_dir

    assert messages == [f"Downloading layer {arn}"] * 2
    assert not (opt_dir / "stale-marker").exists()
    assert (opt_dir / "python" / "mod.py").read_text() == "X = 1\n"
    assert sorted(p.name for p in cache.iterdir()) == [".locks", opt_dir.name]


def test_arn_and_local_layers_merge_in_order(moto: Moto, tmp_path: Path) -> None:
    arn = moto.publish(unique("base"), {"python/shared.py": ("published\n", 0o644), "python/a.py": ("a\n", 0o644)})
    local = tmp_path / "local"
    (local / "python").mkdir(parents=True)
    (local / "python" / "shared.py").write_text("local\n")
    messages: list[str] = []

    merged = prepare([Layer(arn, arn=arn), Layer("Local", content_path=local)], tmp_path / "cache", messages)

    assert merged is not None and merged.parent.name == "merged"
    assert (merged / "python" / "shared.py").read_text() == "local\n"
    assert (merged / "python" / "a.py").read_text() == "a\n"


def test_layer_version_not_found(moto: Moto, tmp_path: Path) -> None:
    arn = moto.publish(unique("exists"), {"a.txt": ("a", 0o644)})
    missing = arn.rsplit(":", 1)[0] + ":99"
    cache = tmp_path / "cache"
    with pytest.raises(LayerError) as raised:
        prepare([Layer(missing, arn=missing)], cache, [])
    assert str(raised.value) == f"Layer {missing} not found"
    assert sorted(p.name for p in cache.iterdir()) == [".locks"]


def test_access_denied_says_credentials_are_needed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from botocore.exceptions import ClientError

    import lambda_dap.layers.download as download

    class DeniedClient:
        def get_layer_version(self, **kwargs):
            error = {"Error": {"Code": "AccessDeniedException", "Message": "no"}, "ResponseMetadata": {}}
            raise ClientError(error, "GetLayerVersion")

    class Session:
        def client(self, service: str, region_name: str):
            assert (service, region_name) == ("lambda", "eu-west-1")
            return DeniedClient()

    monkeypatch.setattr(download, "boto3_session", lambda aws: Session())
    arn = "arn:aws:lambda:eu-west-1:123456789012:layer:private:3"
    with pytest.raises(LayerError) as raised:
        prepare_opt_dir([Layer(arn, arn=arn)], cache_dir=tmp_path / "cache", aws=AWS, log=lambda m: None)
    assert str(raised.value) == (
        f"Credentials are needed to download layer {arn} (AccessDeniedException; access was refused): "
        "use --profile or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )


def test_unreachable_endpoint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    arn = "arn:aws:lambda:us-east-1:123456789012:layer:nowhere:1"
    cache = tmp_path / "cache"
    with pytest.raises(LayerError) as raised:
        prepare_opt_dir([Layer(arn, arn=arn)], cache_dir=cache, aws=AWS, log=lambda m: None)
    assert str(raised.value).startswith(f"Cannot get layer {arn}: Could not connect to the endpoint URL")
    assert sorted(p.name for p in cache.iterdir()) == [".locks"]
