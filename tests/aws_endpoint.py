"""A real local AWS endpoint for tests: moto in server mode on 127.0.0.1.

moto answers GetLayerVersion with `Content.Location = "s3://"`, where AWS gives a pre-signed S3 URL; the fixture
makes moto give a pre-signed URL of its own S3 (where the test put the zip), so the whole path is exercised:
botocore against AWS_ENDPOINT_URL, then an HTTP download of the zip.
"""

from __future__ import annotations

import io
import stat
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

REGION = "us-east-1"


@dataclass
class Moto:
    server: object
    endpoint: str
    bucket: str

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def publish(self, name: str, files: dict[str, tuple[str, int]]) -> str:
        """Upload a zip of `files` to moto's S3, publish it as a layer version; its ARN."""
        key = f"{name}.zip"
        self.client("s3").put_object(Bucket=self.bucket, Key=key, Body=zip_bytes(files))
        response = self.client("lambda").publish_layer_version(
            LayerName=name, Content={"S3Bucket": self.bucket, "S3Key": key}
        )
        return response["LayerVersionArn"]


def zip_bytes(files: dict[str, tuple[str, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (content, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    from moto.awslambda.models import LayerVersion
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    state = Moto(server, f"http://{host}:{port}", f"layers-{uuid.uuid4().hex[:12]}")
    state.client("s3").create_bucket(Bucket=state.bucket)

    original = LayerVersion.get_layer_version

    def with_presigned_location(self: LayerVersion) -> dict:
        answer = original(self)
        if "S3Key" in self.content:
            params = {"Bucket": self.content["S3Bucket"], "Key": self.content["S3Key"]}
            url = state.client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=600)
            answer["Content"]["Location"] = url
        return answer

    monkeypatch.setattr(LayerVersion, "get_layer_version", with_presigned_location)
    monkeypatch.setenv("AWS_ENDPOINT_URL", state.endpoint)
    monkeypatch.delenv("AWS_ENDPOINT_URL_LAMBDA", raising=False)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    try:
        yield state
    finally:
        server.stop()
